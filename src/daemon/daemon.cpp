#include "daemon/daemon.hpp"

#include "daemon/origin_policy.hpp"

#include "core/ids.hpp"
#include "core/yaml_config.hpp"
#include "daemon/cluster_policy.hpp"
#include "daemon/context.hpp"
#include "daemon/job_handler.hpp"
#include "daemon/manager_link.hpp"
#include "daemon/local_api.hpp"
#include "daemon/piece_client.hpp"
#include "daemon/proxy_server.hpp"
#include "daemon/scheduler_router.hpp"
#include "daemon/task_manager.hpp"
#include "daemon/upload_server.hpp"
#include "net/digest_signature.hpp"
#include "net/metrics.hpp"
#include "net/tls_identity.hpp"
#include "net/tls_watch.hpp"
#include "net/token_bucket.hpp"
#include "storage/task_store.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <fmt/ranges.h>

#include <optional>

namespace df::daemon {

struct daemon::impl {
  impl(net::asio::io_context& io_, config c)
      : io(io_),
        cfg(std::move(c)),
        pool(2),
        stats(daemon_stats::create(metrics)),
        download_limit(io.get_executor(), cfg.download.rate_limit, std::max<std::uint64_t>(cfg.download.rate_limit / 4, 1 << 20)),
        upload_limit(io.get_executor(), cfg.upload.rate_limit, std::max<std::uint64_t>(cfg.upload.rate_limit / 4, 1 << 20)),
        pieces(download_limit) {}

  /// With security.mode tls or mtls: the certificate, which must be a daemon's (a seed peer's for
  /// a seed in mtls mode) and name this host.
  result<void> load_identity() {
    if (cfg.security.mode == security_mode::off) {
      if (cfg.upload.listen != "127.0.0.1" && cfg.upload.listen != "::1")
        spdlog::warn("security.mode is off and the upload port listens on {}: any host that reaches it can read "
                     "cached pieces, and the scheduler believes what hosts say (docs/security.md)",
                     cfg.upload.listen);
      return {};
    }
    std::string why;
    auto loaded = net::tls_identity::load(cfg.security, why);
    if (!loaded) {
      spdlog::error("{}", why);
      return loaded.error();
    }
    const auto& own = (*loaded)->own();
    const bool daemon_role = own.role == net::cluster_role::peer || own.role == net::cluster_role::seed_peer;
    if (!daemon_role || (cfg.seed_peer && cfg.security.mode == security_mode::mtls &&
                         own.role != net::cluster_role::seed_peer)) {
      spdlog::error("security.cert_file is a {} certificate ({}); this daemon needs a {} certificate",
                    net::role_name(own.role), own.uri(), cfg.seed_peer ? "seed-peer" : "peer");
      return errc::invalid_argument;
    }
    if (own.name != cfg.host.hostname) {
      spdlog::error("security.cert_file names host '{}' ({}), but this host is '{}' (host.hostname)", own.name,
                    own.uri(), cfg.host.hostname);
      return errc::invalid_argument;
    }
    auto key = net::statement_signer::load(cfg.security.key_file, cfg.security.cert_file);
    if (!key) {
      spdlog::error("cannot read the key in {} to sign piece digests with", cfg.security.key_file);
      return key.error();
    }
    tls = *loaded;
    signer = std::move(*key);
    return {};
  }

  /// After the certificate pair was renewed: digests of new tasks are signed with the new key
  /// (tasks under way keep the signer the swarm knows them by).
  void reload_signer() {
    auto key = net::statement_signer::load(cfg.security.key_file, cfg.security.cert_file);
    if (!key) {
      spdlog::error("cannot read the renewed key in {} to sign piece digests with; keeping the old one",
                    cfg.security.key_file);
      return;
    }
    signer = std::move(*key);
    ctx->signer = signer;
  }

  /// The schedulers to start with: the manager's answer (or its cached copy) when manager.addresses
  /// is set, else (or when neither can be had) scheduler.addresses; an error names what is missing
  /// when there is nothing at all.
  result<std::vector<std::string>> initial_schedulers() {
    auto statics = net::manager::normalize_addresses(cfg.scheduler.addresses);
    if (!cfg.manager.enabled()) return statics;
    try {
      manager = std::make_unique<manager_link>(io.get_executor(), cfg, tls, metrics);
    } catch (const config_error& e) {
      spdlog::error("{}", e.what());
      return errc::invalid_argument;
    }
    policy.emplace(upload_limit, download_limit, cfg.upload.rate_limit, cfg.download.rate_limit, metrics);
    std::string why;
    const auto first = manager->first_answer(why);
    if (first) {
      policy->apply(first->config, "start-up");
      if (!first->schedulers.empty()) return first->schedulers;
      spdlog::warn("manager: scheduler cluster {} has no active scheduler yet{}", first->cluster_name,
                   statics.empty() ? "" : fmt::format("; using scheduler.addresses {}", fmt::join(statics, ", ")));
      return statics;
    }
    if (statics.empty()) {
      spdlog::error("no scheduler to use: {}, and scheduler.addresses is empty (start the manager, or list "
                    "scheduler.addresses)", why);
      return errc::scheduler_unreachable;
    }
    spdlog::warn("{}; using scheduler.addresses {} until it answers", why, fmt::join(statics, ", "));
    return statics;
  }

  net::asio::io_context& io;
  config cfg;
  net::asio::thread_pool pool;
  net::metrics_registry metrics;
  daemon_stats stats;
  net::token_bucket download_limit;
  net::token_bucket upload_limit;
  piece_client pieces;
  std::optional<storage::task_store> store;
  std::unique_ptr<scheduler_router> scheduler;
  std::unique_ptr<manager_link> manager;   // with manager.addresses
  std::optional<cluster_policy> policy;    // with manager.addresses: the cluster config in effect
  std::shared_ptr<net::tls_identity> tls;
  std::shared_ptr<const net::statement_signer> signer;  // signs the digests this host computes as a source
  std::optional<net::tls_file_watch> tls_watch;          // the CRL file and a renewed certificate pair
  origin_policy origins;
  std::optional<daemon_context> ctx;
  std::optional<task_manager> tasks;
  std::optional<job_handler> jobs;  // the manager's preheat and delete_task orders
  std::optional<upload_server> upload;
  std::optional<local_api> api;
  std::optional<proxy_server> proxy;
};

daemon::daemon(boost::asio::io_context& io, config cfg) : impl_(std::make_unique<impl>(io, std::move(cfg))) {}

daemon::~daemon() {
  stop();
  impl_->pool.join();
}

result<void> daemon::start() {
  auto& i = *impl_;
  auto store = storage::task_store::open(i.cfg.data_dir);
  if (!store) {
    spdlog::error("cannot open data directory {}: {}", i.cfg.data_dir, store.error().message());
    return store.error();
  }
  i.store.emplace(std::move(*store));
  auto origins = origin_policy::make(i.cfg.origin_policy.allow, i.cfg.origin_policy.deny,
                                     origin_policy::local_addresses(), i.cfg.seed_peer);
  if (!origins) {
    spdlog::error("origin_policy: an entry is neither an IP, a CIDR nor a host name");
    return origins.error();
  }
  i.origins = std::move(*origins);
  if (auto r = i.load_identity(); !r) return r;
  i.tls_watch.emplace(i.tls, i.metrics, "dfdaemon");
  if (i.tls) i.pieces.use_tls(*i.tls);

  // The upload port is part of the host's identity, so it is bound before the scheduler hears of us.
  net::proto::host_info host{"", i.cfg.host.hostname, i.cfg.host.ip, 0, i.cfg.host.idc, i.cfg.host.location,
                             i.cfg.seed_peer, i.cfg.upload.rate_limit};
  auto schedulers = i.initial_schedulers();
  if (!schedulers) return schedulers.error();
  i.scheduler = std::make_unique<scheduler_router>(i.io.get_executor(), *schedulers, host,
                                                   i.cfg.scheduler.keepalive_interval, i.stats.schedulers_connected,
                                                   i.stats.scheduler_tasks_moved,
                                                   i.metrics.gauge("dragonfly_dfdaemon_schedulers",
                                                                   "Schedulers on this daemon's ring (distinct "
                                                                   "normalised addresses)"));
  i.scheduler->set_tls(i.tls);
  i.ctx.emplace(daemon_context{i.io.get_executor(), i.pool, i.cfg, *i.store, i.stats, *i.scheduler, i.pieces,
                               i.download_limit, i.upload_limit, i.origins});
  i.ctx->tls = i.tls.get();
  i.ctx->signer = i.signer;
  if (i.policy) i.ctx->policy = &*i.policy;
  i.tasks.emplace(*i.ctx);
  i.upload.emplace(*i.ctx, *i.tasks, i.metrics);
  auto port = i.upload->listen(i.cfg.upload.listen, i.cfg.upload.port);
  if (!port) {
    spdlog::error("cannot listen for uploads on {}:{}: {}", i.cfg.upload.listen, i.cfg.upload.port,
                  port.error().message());
    return port.error();
  }
  host.upload_port = *port;
  host.host_id = make_host_id(i.cfg.host.hostname, *port);
  i.scheduler->set_host(host);
  i.scheduler->on_message([&i](const net::proto::message& m) { i.tasks->on_scheduler_message(m); });
  i.scheduler->on_change([&i] { i.tasks->on_schedulers_changed(); });
  i.jobs.emplace(*i.ctx, *i.tasks);
  i.scheduler->on_job([&i](const net::proto::message& m, scheduler_router::reply_fn reply) {
    i.jobs->handle(m, std::move(reply));
  });

  i.api.emplace(*i.ctx, *i.tasks);
  if (auto r = i.api->listen(i.cfg.local_api.socket); !r) {
    spdlog::error("cannot listen on unix socket {}: {}", i.cfg.local_api.socket, r.error().message());
    return r.error();
  }
  std::string proxy_note = " (proxy off)";
  if (i.cfg.proxy.enabled) {
    i.proxy.emplace(*i.ctx, *i.tasks);
    auto proxy_port = i.proxy->listen(i.cfg.proxy.listen, i.cfg.proxy.port);
    if (!proxy_port) {
      spdlog::error("cannot listen for the registry mirror / proxy on {}:{}: {}", i.cfg.proxy.listen,
                    i.cfg.proxy.port, proxy_port.error().message());
      return proxy_port.error();
    }
    proxy_note = fmt::format(", proxy {}:{}", i.cfg.proxy.listen, *proxy_port);
  }
  i.tasks->load_cached();
  i.tasks->start_gc();
  i.scheduler->start();
  i.tls_watch->start(i.io.get_executor(), [&i] { i.reload_signer(); });
  if (i.manager) {
    i.manager->start(
        [&i](const net::manager::host_answer& answer, std::string_view source) {
          i.policy->apply(answer.config, source);
          if (!answer.schedulers.empty()) i.scheduler->set_addresses(answer.schedulers);
        },
        [&i] { return i.tasks->cached_bytes(); }, *port);
  }
  spdlog::info("dfdaemon {} up: upload port {}{}, socket {}, data {}{}", host.host_id, *port, proxy_note,
               i.cfg.local_api.socket, i.cfg.data_dir, i.cfg.seed_peer ? " (seed peer)" : "");
  return {};
}

void daemon::stop() {
  auto& i = *impl_;
  if (i.tls_watch) i.tls_watch->stop();
  if (i.manager) i.manager->stop();
  if (i.scheduler) i.scheduler->stop();
  if (i.upload) i.upload->stop();
  if (i.api) i.api->stop();
  if (i.proxy) i.proxy->stop();
}

}  // namespace df::daemon
