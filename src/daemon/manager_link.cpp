#include "daemon/manager_link.hpp"

#include "daemon/cluster_cache.hpp"
#include "net/crl_sync.hpp"
#include "net/metrics.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#ifndef DF_VERSION
#define DF_VERSION "0.0.0"
#endif

namespace df::daemon {

namespace mp = net::manager;
using net::awaitable;
using net::use_nothrow;

namespace {

constexpr auto max_retry_delay = std::chrono::seconds(5);  // after a failure, try again at least this often

}  // namespace

struct manager_link::state {
  state(net::asio::any_io_executor e, const config& c, std::shared_ptr<net::tls_identity> tls,
        net::metrics_registry& metrics)
      : ex(e),
        cfg(c),
        client(net::manager_client_options(c.manager, tls)),
        crl(std::move(tls), metrics, "dfdaemon"),
        refresh_timer(e),
        seed_timer(e),
        tally(metrics, "dragonfly_dfdaemon_manager_requests_total",
              "Requests to dfmanager (announce, seed-peer register and keepalive), by result") {}

  /// The host as announced: POST /api/v1/hosts.
  std::string host_body() const {
    const nlohmann::json j = {{"hostname", cfg.host.hostname}, {"ip", cfg.host.ip},
                              {"idc", cfg.host.idc},           {"location", cfg.host.location},
                              {"version", DF_VERSION},         {"cache_bytes", cache_bytes ? cache_bytes() : 0},
                              {"upload_rate_limit", cfg.upload.rate_limit}};
    return j.dump();
  }

  /// Asks for the cluster; the new answer (already cached) or nullopt (logged).
  awaitable<std::optional<mp::host_answer>> announce() {
    const std::string body = host_body();
    const std::string post = "POST", target = "/api/v1/hosts";
    auto reply = co_await client.request(post, target, body);
    if (!reply) {
      tally.failure("cannot reach " + fmt::format("{}", fmt::join(cfg.manager.addresses, ", ")) + ": " +
              reply.error().message());
      co_return std::nullopt;
    }
    if (reply->status != 200) {
      tally.failure(fmt::format("{} answered {} to the host announcement: {}", reply->address, reply->status,
                          net::excerpt(reply->body)));
      co_return std::nullopt;
    }
    std::string why;
    auto parsed = mp::parse_host_answer(reply->body, why);
    if (!parsed) {
      tally.failure(fmt::format("{} sent an answer that cannot be used: {}", reply->address, why));
      co_return std::nullopt;
    }
    tally.success();
    // (An answer without schedulers is not cached over one with: adopt() keeps the ring too.)
    const bool lost_schedulers = parsed->schedulers.empty() && current && !current->schedulers.empty();
    if ((!current || !(*parsed == *current)) && !lost_schedulers) {
      const auto file = std::filesystem::path(cfg.data_dir) / cluster_cache_name;
      if (auto saved = save_cluster_cache(file, reply->body); !saved)
        spdlog::warn("manager: cannot write {}: {}", file.string(), saved.error().message());
    }
    co_return std::move(*parsed);
  }

  /// Makes `answer` the one in effect; an answer without schedulers keeps the ones in effect
  /// (the cluster's schedulers may be restarting: dropping the ring would stop every task).
  void adopt(mp::host_answer answer, std::string_view source) {
    if (answer.schedulers.empty() && current && !current->schedulers.empty()) {
      spdlog::warn("manager: cluster {} has no active scheduler; keeping {}", answer.cluster_name,
                   fmt::join(current->schedulers, ", "));
      answer.schedulers = current->schedulers;
    }
    if (current && answer == *current) return;
    // A seed peer moved to another cluster registers again, in its new seed-peer cluster.
    if (current && current->seed_peer_cluster_id != answer.seed_peer_cluster_id) seed_id = 0;
    if (!current || current->cluster_id != answer.cluster_id)
      spdlog::info("manager: this host is in scheduler cluster {} ({}), schedulers {} ({})", answer.cluster_id,
                   answer.cluster_name, fmt::join(answer.schedulers, ", "), source);
    current = answer;
    if (on_answer) on_answer(*current, source);
  }

  awaitable<void> refresh_loop() {
    while (!stopped) {
      const auto wait = tally.healthy() ? cfg.manager.refresh_interval
                                   : std::min<std::chrono::milliseconds>(cfg.manager.refresh_interval, max_retry_delay);
      refresh_timer.expires_after(wait);
      co_await refresh_timer.async_wait(use_nothrow);
      if (stopped) break;
      auto answer = co_await announce();
      if (stopped) break;
      if (answer) adopt(std::move(*answer), "manager");
      if (answer) co_await crl.fetch(client);  // mtls: the revocations since the last refresh
    }
  }

  std::int64_t seed_cluster() const { return current ? current->seed_peer_cluster_id : 0; }

  /// Registers this seed peer; true when the manager gave it an id for the seed-peer cluster
  /// this host is still in (an answer for one it left while waiting is dropped: retried soon).
  awaitable<bool> register_seed() {
    const std::int64_t cluster = seed_cluster();
    const nlohmann::json j = {{"hostname", cfg.host.hostname}, {"ip", cfg.host.ip},
                              {"port", upload_port},           {"download_port", upload_port},
                              {"idc", cfg.host.idc},           {"location", cfg.host.location},
                              {"type", "super"},               {"seed_peer_cluster_id", cluster}};
    const std::string body = j.dump();
    const std::string post = "POST", target = "/api/v1/seed-peers";
    auto reply = co_await client.request(post, target, body);
    if (stopped) co_return false;
    if (seed_cluster() != cluster) {
      spdlog::info("manager: moved to seed-peer cluster {} while registering in {}; registering again",
                   seed_cluster(), cluster);
      co_return false;
    }
    std::string why = reply ? net::excerpt(reply->body) : reply.error().message();
    if (reply && reply->status == 200) {
      if (auto r = mp::parse_registration(reply->body, why)) {
        tally.success();
        seed_id = r->id;
        seed_keepalive = r->keepalive_interval;
        spdlog::info("manager: registered as seed peer {} (keepalive every {} ms)", seed_id, seed_keepalive.count());
        co_return true;
      }
    }
    tally.failure("seed-peer registration failed: " + why);
    co_return false;
  }

  awaitable<void> seed_loop() {
    while (!stopped) {
      bool ok = true;
      if (seed_id == 0) {
        ok = co_await register_seed();
      } else {
        const std::string post = "POST", target = "/api/v1/seed-peers/" + std::to_string(seed_id) + "/keepalive";
        const std::string empty;
        auto reply = co_await client.request(post, target, empty);
        if (reply && reply->status == 404) {
          spdlog::warn("manager: it forgot seed peer {}; registering again", seed_id);
          seed_id = 0;
          continue;
        }
        ok = reply && reply->status == 200;
        if (ok) tally.success();
        else tally.failure("seed-peer keepalive failed: " + (reply ? net::excerpt(reply->body) : reply.error().message()));
      }
      if (stopped) break;
      seed_timer.expires_after(ok ? seed_keepalive : std::min<std::chrono::milliseconds>(seed_keepalive, max_retry_delay));
      co_await seed_timer.async_wait(use_nothrow);
    }
  }

  net::asio::any_io_executor ex;
  // A copy: the coroutines below outlive stop() and may resume after the daemon's config is gone.
  const config cfg;
  net::json_client client;
  net::manager_crl_sync crl;
  net::asio::steady_timer refresh_timer;
  net::asio::steady_timer seed_timer;
  net::manager_request_tally tally;
  std::optional<mp::host_answer> current;
  answer_handler on_answer;
  size_source cache_bytes;
  std::uint16_t upload_port = 0;
  std::int64_t seed_id = 0;
  std::chrono::milliseconds seed_keepalive{5000};
  bool stopped = false;
};

manager_link::manager_link(net::asio::any_io_executor ex, const config& cfg, std::shared_ptr<net::tls_identity> tls,
                           net::metrics_registry& metrics)
    : state_(std::make_shared<state>(ex, cfg, std::move(tls), metrics)) {}

manager_link::~manager_link() { stop(); }

std::optional<mp::host_answer> manager_link::first_answer(std::string& why) {
  auto& s = *state_;
  std::optional<mp::host_answer> answer;
  {
    net::asio::io_context io;  // the daemon's own executor does not run yet
    net::asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          answer = co_await s.announce();
          if (answer) co_await s.crl.fetch(s.client);
        },
        net::asio::detached);
    io.run();
  }
  if (answer) {
    s.adopt(std::move(*answer), "manager");
    return s.current;
  }
  const auto file = std::filesystem::path(s.cfg.data_dir) / cluster_cache_name;
  const auto cached = load_cluster_cache(file);
  std::string problem = "no cached answer in " + file.string();
  if (cached) {
    auto parsed = mp::parse_host_answer(*cached, problem);
    if (parsed) {
      spdlog::warn("manager: unreachable at start-up; using the cluster cached in {}", file.string());
      s.adopt(std::move(*parsed), "cache");
      return s.current;
    }
    problem = "the cache " + file.string() + " is unusable: " + problem;
  }
  why = fmt::format("the manager ({}) did not answer and {}", fmt::join(s.cfg.manager.addresses, ", "), problem);
  return std::nullopt;
}

void manager_link::start(answer_handler on_answer, size_source cache_bytes, std::uint16_t upload_port) {
  auto s = state_;
  s->on_answer = std::move(on_answer);
  s->cache_bytes = std::move(cache_bytes);
  s->upload_port = upload_port;
  net::asio::co_spawn(s->ex, [s] { return s->refresh_loop(); }, net::asio::detached);
  if (s->cfg.seed_peer) net::asio::co_spawn(s->ex, [s] { return s->seed_loop(); }, net::asio::detached);
}

void manager_link::stop() {
  auto& s = *state_;
  s.stopped = true;
  s.on_answer = nullptr;
  s.cache_bytes = nullptr;
  s.refresh_timer.cancel();
  s.seed_timer.cancel();
}

}  // namespace df::daemon
