#pragma once
// The scheduler cluster's config in effect on this daemon (from dfmanager, docs/manager.md): its
// rate limits on the host's token buckets and its blocklist of tasks.

#include "net/manager_protocol.hpp"

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace df::net {
class metric;
class metrics_registry;
class token_bucket;
}

namespace df::daemon {

/// The error of a task the cluster config refuses: "the task is blocklisted by the cluster config".
boost::system::error_code blocklisted_error();

/// Applies a cluster config live and answers "may this task start here". Tracks: the config in
/// effect, its compiled blocklist, the daemon's own limits (used where the cluster sets none), and
/// the counters and gauges that show it. Owned by the daemon; single-threaded on its I/O thread.
class cluster_policy {
 public:
  /// `own_upload` / `own_download`: the daemon's configured limits (bytes/s, 0 = unlimited).
  cluster_policy(net::token_bucket& upload, net::token_bucket& download, std::uint64_t own_upload,
                 std::uint64_t own_download, net::metrics_registry& metrics);

  /// Makes `config` the one in effect: a non-zero peer_upload_rate_limit / peer_download_rate_limit
  /// replaces the daemon's own limit, 0 gives it back; the blocklist replaces the previous one.
  /// Logs each setting that changed (`source` says where the config came from).
  void apply(const net::manager::cluster_config& config, std::string_view source);
  /// blocklisted_error() (logged with the reason, counted) when the cluster refuses the task.
  result<void> admit(std::string_view task_id, std::string_view url, std::string_view tag,
                     std::string_view application);
  const net::manager::cluster_config& config() const { return config_; }

 private:
  net::token_bucket& upload_;
  net::token_bucket& download_;
  std::uint64_t own_upload_, own_download_;
  net::manager::cluster_config config_;
  net::manager::blocklist_matcher blocklist_;
  bool applied_ = false;
  net::metric& refused_;
  net::metric& upload_gauge_;
  net::metric& download_gauge_;
  net::metric& changes_;
};

}  // namespace df::daemon
