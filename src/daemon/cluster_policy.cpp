#include "daemon/cluster_policy.hpp"

#include "net/metrics.hpp"
#include "net/token_bucket.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::daemon {

namespace {

/// The one error of this file, in a category of its own (core's errc is shared by every component).
class policy_category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "cluster_policy"; }
  std::string message(int) const override {
    return "the task is blocklisted by the cluster config (dfmanager); see the daemon's log for the rule";
  }
};

/// The bucket's burst for a rate, as the daemon sizes it at start-up.
std::uint64_t burst_for(std::uint64_t rate) { return std::max<std::uint64_t>(rate / 4, 1 << 20); }

}  // namespace

boost::system::error_code blocklisted_error() {
  static const policy_category category;
  return {1, category};
}

cluster_policy::cluster_policy(net::token_bucket& upload, net::token_bucket& download, std::uint64_t own_upload,
                               std::uint64_t own_download, net::metrics_registry& metrics)
    : upload_(upload),
      download_(download),
      own_upload_(own_upload),
      own_download_(own_download),
      refused_(metrics.counter("dragonfly_dfdaemon_tasks_blocklisted_total",
                               "Task requests refused because the cluster config (dfmanager) blocklists their "
                               "application, tag or URL")),
      upload_gauge_(metrics.gauge("dragonfly_dfdaemon_rate_limit_bytes", "Host rate limit in effect (bytes/s, 0 = "
                                  "unlimited)", "direction=\"upload\"")),
      download_gauge_(metrics.gauge("dragonfly_dfdaemon_rate_limit_bytes", "Host rate limit in effect (bytes/s, 0 = "
                                    "unlimited)", "direction=\"download\"")),
      changes_(metrics.counter("dragonfly_dfdaemon_cluster_config_changes_total",
                               "Cluster configs from dfmanager (or its cache) that changed a setting in effect")) {
  upload_gauge_.set(own_upload);
  download_gauge_.set(own_download);
}

void cluster_policy::apply(const net::manager::cluster_config& config, std::string_view source) {
  const auto before = applied_ ? config_ : net::manager::cluster_config{};
  const auto lines = net::manager::describe_changes(before, config);
  if (applied_ && lines.empty()) return;
  const std::uint64_t up = config.peer_upload_rate_limit ? config.peer_upload_rate_limit : own_upload_;
  const std::uint64_t down = config.peer_download_rate_limit ? config.peer_download_rate_limit : own_download_;
  const bool rates_changed = up != upload_.rate() || down != download_.rate();
  if (up != upload_.rate()) upload_.set_rate(up, burst_for(up));
  if (down != download_.rate()) download_.set_rate(down, burst_for(down));
  upload_gauge_.set(up);
  download_gauge_.set(down);
  if (config.blocklist != config_.blocklist || !applied_) {
    blocklist_ = net::manager::blocklist_matcher(config.blocklist);
    if (blocklist_.invalid_patterns())
      spdlog::warn("cluster config: {} blocklisted URL patterns are not valid regular expressions; ignored",
                   blocklist_.invalid_patterns());
  }
  config_ = config;
  applied_ = true;
  if (lines.empty()) return;  // the first config, equal to the defaults
  changes_.add();
  for (const auto& line : lines) spdlog::info("cluster config ({}): {}", source, line);
  if (rates_changed)
    spdlog::info("cluster config ({}): host rate limits now upload {} B/s, download {} B/s (0 = unlimited)",
                 source, up, down);
}

result<void> cluster_policy::admit(std::string_view task_id, std::string_view url, std::string_view tag,
                                   std::string_view application) {
  if (blocklist_.empty()) return {};
  const auto why = blocklist_.refusal(url, tag, application);
  if (why.empty()) return {};
  refused_.add();
  spdlog::warn("task {}: refused: {}", task_id, why);
  return blocklisted_error();
}

}  // namespace df::daemon
