#include "scheduler/manager_registration.hpp"

#include "core/local_host.hpp"
#include "net/crl_sync.hpp"
#include "net/json_client.hpp"
#include "net/metrics.hpp"

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <optional>

namespace df::scheduler {

namespace mp = net::manager;
using net::awaitable;
using net::use_nothrow;

namespace {

constexpr auto retry_delay = std::chrono::seconds(2);  // after a failed registration

/// The registration body: who this scheduler is and where daemons reach it.
std::string registration_body(const config& cfg, std::uint16_t port) {
  std::string ip = cfg.host.ip;
  if (ip.empty()) ip = cfg.listen == "0.0.0.0" || cfg.listen == "::" ? first_ipv4() : cfg.listen;
  const std::string hostname = cfg.host.hostname.empty() ? local_hostname() : cfg.host.hostname;
  nlohmann::json j = {{"hostname", hostname}, {"ip", ip},       {"port", port},
                      {"idc", cfg.host.idc},  {"location", cfg.host.location}};
  if (cfg.manager.scheduler_cluster_id) j["scheduler_cluster_id"] = cfg.manager.scheduler_cluster_id;
  return j.dump();
}

// One queued download as the manager's API takes it (bounded to what it accepts).
nlohmann::json report_json(const download_report& r, std::int64_t finished_at) {
  constexpr std::int64_t max_bytes = std::int64_t{1} << 50, max_duration = 7LL * 24 * 3600 * 1000;
  const auto clamp = [](std::int64_t v, std::int64_t hi) { return std::clamp<std::int64_t>(v, 0, hi); };
  const auto small = [](std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, 1ULL << 50)); };
  return {{"finished_at", finished_at},
          {"host_id", r.host_id.substr(0, 256)},
          {"hostname", r.hostname.substr(0, 256)},
          {"task_id", r.task_id.substr(0, 128)},
          {"duration_ms", clamp(r.duration_ms, max_duration)},
          {"content_bytes", clamp(r.content_bytes, max_bytes)},
          {"bytes_from_peers", small(r.bytes_from_peers)},
          {"bytes_from_origin", small(r.bytes_from_origin)},
          {"success", r.success},
          {"error_class", r.error_class}};
}

}  // namespace

struct manager_registration::state {
  state(net::asio::any_io_executor e, const config& c, std::uint16_t p, std::shared_ptr<net::tls_identity> tls,
        net::metrics_registry& metrics)
      : client(net::manager_client_options(c.manager, tls)),
        crl(std::move(tls), metrics, "scheduler"),
        body(registration_body(c, p)),
        timer(e),
        tally(metrics, "dragonfly_scheduler_manager_requests_total",
              "Requests to dfmanager (register, keepalive), by result"),
        reports_sent(metrics.counter("dragonfly_scheduler_manager_download_reports_total",
                                     "Finished downloads reported to dfmanager's analytics, by result",
                                     "result=\"sent\"")),
        reports_dropped(metrics.counter("dragonfly_scheduler_manager_download_reports_total", "", "result=\"dropped\"")),
        reports_refused(metrics.counter("dragonfly_scheduler_manager_download_reports_total", "", "result=\"refused\"")) {}

  /// Sends the queued downloads in batches until none is left or the manager does not take them
  /// (it is away: they wait for the next keepalive; it refused them: they are dropped, counted).
  awaitable<void> send_reports() {
    const std::string post = "POST", target = "/api/v1/schedulers/" + std::to_string(id) + "/downloads";
    while (!reports.empty() && !stopped) {
      const auto n = std::min(reports.size(), report_batch);
      nlohmann::json batch = nlohmann::json::array();
      for (std::size_t i = 0; i < n; ++i) batch.push_back(reports[i]);
      const std::string body = nlohmann::json{{"downloads", std::move(batch)}}.dump();
      auto reply = co_await client.request(post, target, body);
      if (!reply || reply->status >= 500 || reply->status == 404) co_return;  // try again after the next keepalive
      if (reply->status != 200) {
        spdlog::warn("manager: download reports refused ({} records): {} {}", n, reply->status, net::excerpt(reply->body));
        reports_refused.add(n);
      } else {
        reports_sent.add(n);
      }
      reports.erase(reports.begin(), reports.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }

  awaitable<bool> register_once() {
    const std::string post = "POST", target = "/api/v1/schedulers";
    auto reply = co_await client.request(post, target, body);
    std::string why = reply ? fmt::format("{} answered {}: {}", reply->address, reply->status, net::excerpt(reply->body))
                            : reply.error().message();
    if (reply && reply->status == 200) {
      if (auto r = mp::parse_registration(reply->body, why)) {
        tally.success();
        id = r->id;
        interval = r->keepalive_interval;
        spdlog::info("manager: registered as scheduler {} at {} (keepalive every {} ms)", id, reply->address,
                     interval.count());
        co_return true;
      }
    }
    tally.failure("registration failed: " + why);
    co_return false;
  }

  /// One keepalive; the config it carries goes to on_config when it changed.
  awaitable<void> keepalive_once() {
    const std::string post = "POST", target = "/api/v1/schedulers/" + std::to_string(id) + "/keepalive";
    const std::string empty;
    auto reply = co_await client.request(post, target, empty);
    if (reply && reply->status == 404) {
      spdlog::warn("manager: it does not know scheduler {} (any more); registering again", id);
      id = 0;
      co_return;
    }
    if (!reply || reply->status != 200) {
      tally.failure("keepalive failed: " + (reply ? net::excerpt(reply->body) : reply.error().message()));
      co_return;
    }
    tally.success();
    std::string why;
    auto config = mp::parse_keepalive_config(reply->body, why);
    if (!config) {
      if (config.error() != errc::not_found) spdlog::warn("manager: keepalive answer without a usable config: {}", why);
      co_return;
    }
    if (current && *current == *config) co_return;
    for (const auto& line : mp::describe_changes(current.value_or(mp::cluster_config{}), *config))
      spdlog::info("cluster config: {}", line);
    current = *config;
    if (on_config) on_config(*current);
  }

  awaitable<void> run() {
    while (!stopped) {
      if (id == 0) {
        const bool registered = co_await register_once();
        if (stopped) break;
        if (registered) continue;  // a keepalive at once brings the config
        timer.expires_after(retry_delay);
      } else {
        co_await keepalive_once();
        if (stopped) break;
        if (id == 0) continue;
        co_await crl.fetch(client);  // mtls: revoked hosts are refused within one keepalive
        if (stopped) break;
        co_await send_reports();
        if (stopped) break;
        timer.expires_after(interval);
      }
      co_await timer.async_wait(use_nothrow);
    }
  }

  net::json_client client;
  net::manager_crl_sync crl;
  std::string body;
  net::asio::steady_timer timer;
  net::manager_request_tally tally;
  net::metric &reports_sent, &reports_dropped, &reports_refused;
  std::deque<nlohmann::json> reports;  // at most max_queued_reports, oldest first
  config_handler on_config;
  std::optional<mp::cluster_config> current;
  std::int64_t id = 0;
  std::chrono::milliseconds interval{5000};
  bool stopped = false;
};

manager_registration::manager_registration(net::asio::any_io_executor ex, const config& cfg, std::uint16_t port,
                                           std::shared_ptr<net::tls_identity> tls, net::metrics_registry& metrics)
    : state_(std::make_shared<state>(ex, cfg, port, std::move(tls), metrics)) {}

manager_registration::~manager_registration() { stop(); }

void manager_registration::start(config_handler on_config) {
  auto s = state_;
  s->on_config = std::move(on_config);
  net::asio::co_spawn(s->timer.get_executor(), [s] { return s->run(); }, net::asio::detached);
}

void manager_registration::report(download_report r) {
  auto& s = *state_;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  if (s.reports.size() >= max_queued_reports) {
    s.reports.pop_front();
    s.reports_dropped.add();
  }
  s.reports.push_back(report_json(r, now));
}

void manager_registration::stop() {
  state_->stopped = true;
  state_->on_config = nullptr;
  state_->timer.cancel();
}

}  // namespace df::scheduler
