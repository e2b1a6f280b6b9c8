#include "scheduler/service.hpp"

#include "core/ids.hpp"
#include "core/yaml_config.hpp"
#include "net/asio.hpp"
#include "net/frame_stream.hpp"
#include "net/http_server.hpp"
#include "net/log_rate_limiter.hpp"
#include "net/peer_address.hpp"
#include "net/scheduler_protocol.hpp"
#include "net/tls_identity.hpp"
#include "net/tls_watch.hpp"
#include "scheduler/have_batcher.hpp"
#include "scheduler/job_runner.hpp"
#include "scheduler/job_session.hpp"
#include "scheduler/manager_registration.hpp"
#include "scheduler/swarm.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <map>
#include <optional>

namespace df::scheduler {

namespace proto = net::proto;
using tcp = net::asio::ip::tcp;
using net::awaitable;
using net::use_nothrow;

namespace {
constexpr auto hello_timeout = std::chrono::seconds(10);
constexpr std::uint32_t max_hello_payload = 256 << 10;  // a hello, or a manager's job_request

// A daemon sends only message frames; anything else is malformed.
result<proto::message> decode_frame(const net::frame& f) {
  if (f.kind != net::frame_kind::message) return errc::malformed_message;
  return proto::decode(f.payload);
}

}  // namespace

struct service::impl : std::enable_shared_from_this<impl> {
  impl(net::asio::io_context& io_, config c, std::shared_ptr<net::tls_identity> t)
      : io(io_),
        cfg(std::move(c)),
        tls(std::move(t)),
        sw(cfg.scheduling, [this](const std::string& host, proto::message m) { deliver(host, m); },
           swarm_stats::create(metrics)),
        acceptor(io),
        metrics_server(io.get_executor(), [this](const net::http_request& r, net::response_writer& w) {
          return serve_metrics(r, w);
        }),
        reaper(io),
        frames_in(metrics.counter("dragonfly_scheduler_messages_received_total", "Messages received from daemons")),
        frames_bad(metrics.counter("dragonfly_scheduler_messages_rejected_total",
                                   "Messages rejected (malformed, over a limit, or a claim the host may not make); "
                                   "each closes its connection")),
        connections_refused(metrics.counter("dragonfly_scheduler_connections_refused_total",
                                            "Connections refused at accept (over limits.max_connections or "
                                            "limits.max_unidentified_per_ip)")),
        connections_open(metrics.gauge("dragonfly_scheduler_connections", "Open daemon connections, with or "
                                                                          "without a hello yet")),
        seed_claims_refused(metrics.counter("dragonfly_scheduler_seed_claims_refused_total",
                                            "Hellos claiming seed: true from an address not in security.seed_peers")),
        hellos_refused(metrics.counter("dragonfly_scheduler_hellos_refused_total",
                                       "Hellos naming a host ID that is connected from another address, or "
                                       "(mtls) a host other than the one the certificate names")),
        revoked_dropped(metrics.counter("dragonfly_scheduler_revoked_connections_closed_total",
                                        "Connections closed because a new CRL (security.crl_file reloaded, "
                                        "or the manager's) revokes their certificate")),
        handshakes_failed(metrics.counter("dragonfly_scheduler_tls_handshakes_failed_total",
                                          "Connections closed because the TLS handshake failed or timed out "
                                          "(no certificate, one the CA did not sign, or no TLS at all)")),
        blocklisted(metrics.counter("dragonfly_scheduler_tasks_blocklisted_total",
                                    "Peer registrations refused because the cluster config (dfmanager) blocklists "
                                    "the task's application, tag or URL")),
        max_parents(metrics.gauge("dragonfly_scheduler_max_parents",
                                  "Parents per peer in effect (scheduling.max_parents, or the cluster's "
                                  "candidate_parent_limit from dfmanager)")),
        jobs_run(metrics.counter("dragonfly_scheduler_jobs_total", "Manager jobs run (preheat, get_task, delete_task)")),
        jobs_refused(metrics.counter("dragonfly_scheduler_jobs_refused_total",
                                     "job_requests refused: from a daemon's connection, without the manager "
                                     "certificate (mtls) or with a wrong job token")),
        jobs(io.get_executor(), sw, [this](const std::string& h, const proto::message& m) { return send_if_connected(h, m); },
             cfg.jobs.default_timeout),
        blocklist_entries(metrics.gauge("dragonfly_scheduler_blocklist_entries",
                                        "Applications, URL patterns and tags the cluster config (dfmanager) "
                                        "blocklists")) {
    max_parents.set(cfg.scheduling.max_parents);
  }

  /// The cluster config from dfmanager: parent limits into the swarm, the blocklist here.
  void apply_cluster_config(const net::manager::cluster_config& c) {
    auto limits = sw.limits();
    limits.max_parents = c.candidate_parent_limit;
    limits.candidate_sample = c.filter_parent_limit;
    sw.set_limits(limits);
    max_parents.set(limits.max_parents);
    blocklist = net::manager::blocklist_matcher(c.blocklist);
    blocklist_entries.set(c.blocklist.applications.size() + c.blocklist.urls.size() + c.blocklist.tags.size());
    spdlog::info("scheduler: cluster config in effect: {} parents per peer, {} candidates sampled, blocklist of {} "
                 "applications, {} URL patterns, {} tags", c.candidate_parent_limit, c.filter_parent_limit,
                 c.blocklist.applications.size(), c.blocklist.urls.size(), c.blocklist.tags.size());
  }

  /// True when `m` registers a peer for a task the cluster blocklists: counted, and a download
  /// about to start is told why it fails (a holder re-announcing is just not taken in).
  bool refused(const std::string& host_id, const proto::message& m) {
    const auto* r = std::get_if<proto::register_peer>(&m);
    if (!r || blocklist.empty()) return false;
    const auto why = blocklist.refusal(r->url, r->tag, r->application);
    if (why.empty()) return false;
    blocklisted.add();
    if (claims_log.allow(std::chrono::steady_clock::now()))
      spdlog::warn("task {}: registration of host {} refused: {}", r->task_id, host_id, why);
    if (!r->complete && !r->source)
      send_now(host_id, proto::task_failed{r->task_id, r->peer_id, "refused by the scheduler: " + why, 0, "p2p"});
    return true;
  }

  void deliver(const std::string& host_id, const proto::message& m) {
    if (const auto* h = std::get_if<proto::have>(&m)) {
      // Sent once the messages being handled now are done, merged (have_batcher).
      if (haves.add(host_id, *h)) net::asio::post(io, [self = shared_from_this()] { self->flush_haves(); });
      return;
    }
    send_now(host_id, m);
  }

  void send_now(const std::string& host_id, const proto::message& m) {
    const auto it = connections.find(host_id);
    if (it == connections.end()) return;
    for (const auto& part : proto::split_for_wire(m)) it->second.stream->send(net::frame_kind::message, proto::encode(part));
  }

  bool send_if_connected(const std::string& host_id, const proto::message& m) {
    if (!connections.contains(host_id)) return false;
    send_now(host_id, m);
    return true;
  }

  /// The first message was a job_request: a manager's connection (docs/jobs-dispatch.md).
  awaitable<void> serve_manager(std::shared_ptr<net::frame_stream> stream, const std::string& address,
                                const std::optional<net::cluster_identity>& identity, proto::job_request r) {
    const auto mode = tls ? tls->mode() : security_mode::off;
    if (const auto why = job_refusal(mode, identity, job_token, r.token); !why.empty()) {
      jobs_refused.add();
      spdlog::warn("scheduler: {}: {}; closing", address, why);
      const proto::message refusal = proto::job_result{r.job_id, {}, "refused: " + why};
      const std::string payload = proto::encode(refusal);
      co_await stream->write(net::frame_kind::message, payload);
      co_return;
    }
    jobs_run.add();
    // An authenticated manager does not hold one of its address's unidentified slots while the
    // job runs (serve() gives the slot back after this returns, so it is taken again).
    if (--unidentified[address] == 0) unidentified.erase(address);
    co_await serve_job(*stream, jobs, std::move(r));
    ++unidentified[address];
  }

  void flush_haves() {
    for (const auto& [host_id, m] : haves.take()) send_now(host_id, m);
  }

  awaitable<void> serve_metrics(const net::http_request& r, net::response_writer& w) {
    const std::string text = r.target == "/metrics" ? metrics.render() : std::string();
    if (r.target == "/metrics") co_await net::write_simple(w, 200, "text/plain; version=0.0.4", text);
    else if (r.target == "/healthz") co_await net::write_simple(w, 200, "text/plain", "ok\n");
    else co_await net::write_simple(w, 404, "text/plain", "not found\n");
  }

  awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
      if (ec == net::asio::error::operation_aborted) break;
      if (ec) {
        // Out of file descriptors (or similar): back off instead of spinning on the error.
        if (log_limiter.allow(std::chrono::steady_clock::now()))
          spdlog::warn("scheduler: accept failed: {}; backing off ({} more since the last report)", ec.message(),
                       log_limiter.take_suppressed());
        net::asio::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_nothrow);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto stream = std::make_shared<net::frame_stream>(net::frame_stream::socket_type(std::move(socket)), true);
      std::string address = net::peer_address(stream->socket().native_handle());
      if (open_connections >= cfg.limits.max_connections ||
          unidentified[address] >= cfg.limits.max_unidentified_per_ip) {
        connections_refused.add();
        stream->close();
        continue;
      }
      net::asio::co_spawn(io, serve(stream, std::move(address)), net::asio::detached);
    }
  }

  /// Reads the first message, which must be a hello within hello_timeout; returns the host ID
  /// ("" when the connection is to be closed).
  awaitable<std::string> read_hello(const std::shared_ptr<net::frame_stream>& stream, const std::string& address,
                                    const std::optional<net::cluster_identity>& identity) {
    net::asio::steady_timer hello_timer(io, hello_timeout);
    auto answered = std::make_shared<bool>(false);  // the handler may run after this frame is gone
    hello_timer.async_wait([stream, answered](boost::system::error_code ec) {
      if (!ec && !*answered) stream->close();
    });
    auto f = co_await stream->read(max_hello_payload);
    *answered = true;
    hello_timer.cancel();
    if (!f) {
      if (f.error() == errc::message_too_large) frames_bad.add();
      co_return std::string();
    }
    frames_in.add();
    auto m = decode_frame(*f);
    if (auto* job = m ? std::get_if<proto::job_request>(&*m) : nullptr) {
      co_await serve_manager(stream, address, identity, std::move(*job));
      co_return std::string();
    }
    const auto* h = m ? std::get_if<proto::hello>(&*m) : nullptr;
    if (!h || h->host.host_id.empty()) {
      frames_bad.add();
      spdlog::warn("scheduler: {} sent {} instead of hello; closing", address,
                   m ? std::string(proto::type_name(*m)) : m.error().message());
      co_return std::string();
    }
    if (identity && !certificate_allows(*identity, h->host, address)) co_return std::string();
    // A host ID belongs to the address that holds it: a second hello for it from elsewhere is
    // refused (the first connection stays); from the same address it is a reconnect.
    if (auto old = connections.find(h->host.host_id); old != connections.end()) {
      if (old->second.address != address) {
        hellos_refused.add();
        spdlog::warn("scheduler: {} claims host ID {}, connected from {}; refused", address, h->host.host_id,
                     old->second.address);
        co_return std::string();
      }
      old->second.stream->close();
    }
    connections[h->host.host_id] = connection{stream, address};
    proto::host_info host = h->host;
    const auto& seeds = cfg.security.seed_peers;
    if (host.seed && identity && identity->role != net::cluster_role::seed_peer) {
      seed_claims_refused.add();
      if (claims_log.allow(std::chrono::steady_clock::now()))
        spdlog::warn("scheduler: {} at {} claims to be a seed peer with a {} certificate; registered as a plain host",
                     host.host_id, address, net::role_name(identity->role));
      host.seed = false;
    }
    if (host.seed && !seeds.empty() && std::find(seeds.begin(), seeds.end(), address) == seeds.end()) {
      seed_claims_refused.add();
      if (claims_log.allow(std::chrono::steady_clock::now()))
        spdlog::warn("scheduler: {} at {} claims to be a seed peer, which security.seed_peers does not allow; "
                   "registered as a plain host", host.host_id, address);
      host.seed = false;
    }
    sw.on_hello(host);
    co_return h->host.host_id;
  }

  /// mtls: the hello must describe the host the certificate names, and the certificate must be a
  /// daemon's (a peer's or a seed peer's).
  bool certificate_allows(const net::cluster_identity& id, const proto::host_info& host, const std::string& address) {
    const bool daemon = id.role == net::cluster_role::peer || id.role == net::cluster_role::seed_peer;
    if (daemon && host.hostname == id.name && host.host_id == make_host_id(id.name, host.upload_port)) return true;
    hellos_refused.add();
    if (claims_log.allow(std::chrono::steady_clock::now()))
      spdlog::warn("scheduler: {} presented the certificate of {} and a hello for host {} ({}); refused", address,
                   id.uri(), host.host_id, host.hostname);
    return false;
  }

  /// With TLS on, the handshake (bounded by the hello timeout) and, in mtls mode, the certificate's
  /// identity; nullopt with `ok` false when the connection is to be closed.
  awaitable<std::optional<net::cluster_identity>> secure(const std::shared_ptr<net::frame_stream>& stream,
                                                          const std::string& address, bool& ok) {
    ok = true;
    if (!tls || tls->mode() == security_mode::off) co_return std::nullopt;
    auto shaken = co_await stream->start_tls(tls->server(), true, hello_timeout);
    if (!shaken) {
      ok = false;
      handshakes_failed.add();
      if (claims_log.allow(std::chrono::steady_clock::now()))
        spdlog::warn("scheduler: TLS handshake with {} failed: {}", address, shaken.error().message());
      co_return std::nullopt;
    }
    if (tls->mode() != security_mode::mtls) co_return std::nullopt;
    auto id = net::peer_identity(stream->tls_session());
    if (!id) {
      ok = false;
      handshakes_failed.add();
      co_return std::nullopt;
    }
    co_return *id;
  }

  awaitable<void> serve(std::shared_ptr<net::frame_stream> stream, std::string address) {
    auto self = shared_from_this();
    connections_open.set(++open_connections);
    ++unidentified[address];
    bool secured = false;
    const auto identity = co_await secure(stream, address, secured);
    std::string host_id;  // (not a ?: around co_await: GCC 12 miscompiles that)
    if (secured) host_id = co_await read_hello(stream, address, identity);
    if (--unidentified[address] == 0) unidentified.erase(address);
    while (!host_id.empty()) {
      auto f = co_await stream->read();
      if (!f) {
        if (f.error() == errc::message_too_large) frames_bad.add();
        break;
      }
      frames_in.add();
      auto m = decode_frame(*f);
      if (m && refused(host_id, *m)) continue;
      if (m && jobs.on_daemon_message(host_id, *m)) continue;
      if (m && std::holds_alternative<proto::job_request>(*m)) {
        jobs_refused.add();
        frames_bad.add();
        spdlog::warn("scheduler: host {} sent a job_request on a daemon connection; closing", host_id);
        break;
      }
      auto handled = m ? sw.on_message(host_id, *m) : result<void>(m.error());
      if (!handled) {
        frames_bad.add();
        spdlog::warn("scheduler: closing connection of host {}: {}{}", host_id,
                     m ? std::string(proto::type_name(*m)) + ": " : std::string(), handled.error().message());
        break;
      }
    }
    connections_open.set(--open_connections);
    stream->close();
    if (!host_id.empty()) {
      auto it = connections.find(host_id);
      if (it != connections.end() && it->second.stream == stream) {
        connections.erase(it);
        jobs.on_host_gone(host_id);
        sw.on_host_gone(host_id);
      }
    }
  }

  /// When the CRL in force changed (security.crl_file reloaded by the watch, or the manager's
  /// CRL applied after a keepalive), closes the connections of hosts whose certificates it now
  /// revokes (they cannot connect again either).
  void drop_revoked() {
    if (tls->crl_generation() == crl_seen) return;
    crl_seen = tls->crl_generation();
    for (auto& [id, c] : connections) {
      ssl_st* session = c.stream->tls_session();
      if (!session) continue;
      auto* cert = SSL_get1_peer_certificate(session);
      if (!cert) continue;
      std::string problem;
      if (!tls->check_certificate(cert, problem)) {
        spdlog::warn("scheduler: host {} at {}: {}; closing its connection", id, c.address, problem);
        revoked_dropped.add();
        c.stream->close();
      }
      X509_free(cert);
    }
  }

  awaitable<void> reap_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      reaper.expires_after(std::chrono::seconds(1));
      co_await reaper.async_wait(use_nothrow);
      sw.tick();
      const auto now = std::chrono::steady_clock::now();
      if (tls && now - tls_checked >= net::tls_check_interval) {
        tls_checked = now;
        tls_watch.check();  // the CRL file and a renewed certificate pair
      }
      if (tls) drop_revoked();
      for (const auto& [id, host] : sw.hosts()) {
        if (now - host.last_seen < cfg.keepalive_timeout) continue;
        spdlog::warn("scheduler: host {} sent nothing for {} ms; dropping it", id, cfg.keepalive_timeout.count());
        if (auto c = connections.find(id); c != connections.end()) c->second.stream->close();
      }
    }
  }

  net::asio::io_context& io;
  config cfg;
  std::shared_ptr<net::tls_identity> tls;
  net::metrics_registry metrics;
  swarm sw;
  tcp::acceptor acceptor;
  net::http_server metrics_server;
  net::asio::steady_timer reaper;
  net::metric& frames_in;
  net::metric& frames_bad;
  net::metric& connections_refused;
  net::metric& connections_open;
  net::metric& seed_claims_refused;
  net::metric& hellos_refused;
  net::metric& revoked_dropped;
  net::metric& handshakes_failed;
  net::metric& blocklisted;
  net::metric& max_parents;
  net::metric& jobs_run;
  net::metric& jobs_refused;
  job_runner jobs;
  std::string job_token;  // jobs.token_file's token ("" = none)
  net::metric& blocklist_entries;
  net::manager::blocklist_matcher blocklist;           // from the cluster config (dfmanager)
  std::unique_ptr<manager_registration> manager;      // with manager.addresses
  net::tls_file_watch tls_watch{tls, metrics, "scheduler"};
  std::chrono::steady_clock::time_point tls_checked{};
  std::uint64_t crl_seen = 0;  // tls->crl_generation() when open connections were last checked
  /// A host's connection and the address it came from (the host ID is bound to it).
  struct connection {
    std::shared_ptr<net::frame_stream> stream;
    std::string address;
  };
  std::map<std::string, connection> connections;       // by host ID
  std::map<std::string, std::uint32_t> unidentified;   // connections before hello, by address
  std::uint32_t open_connections = 0;
  net::log_rate_limiter log_limiter{std::chrono::seconds(5)};
  net::log_rate_limiter claims_log{std::chrono::seconds(5)};
  have_batcher haves;
};

service::service(net::asio::io_context& io, config cfg, std::shared_ptr<net::tls_identity> tls)
    : impl_(std::make_shared<impl>(io, std::move(cfg), std::move(tls))) {}
service::~service() { stop(); }

result<void> service::start() {
  auto& i = *impl_;
  boost::system::error_code ec;
  const auto addr = net::asio::ip::make_address(i.cfg.listen, ec);
  if (ec) return errc::invalid_argument;
  const tcp::endpoint ep(addr, i.cfg.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(net::asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(net::asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  try {
    i.job_token = read_job_token(i.cfg.jobs.token_file);
  } catch (const config_error& e) {
    spdlog::error("{}", e.what());
    return errc::invalid_argument;
  }
  if (i.cfg.metrics_port != 0) {
    if (auto r = i.metrics_server.listen(i.cfg.metrics_listen, i.cfg.metrics_port); !r) return r.error();
    i.metrics_server.start();
  }
  net::asio::co_spawn(i.io, [self = impl_] { return self->accept_loop(); }, net::asio::detached);
  net::asio::co_spawn(i.io, [self = impl_] { return self->reap_loop(); }, net::asio::detached);
  if (i.cfg.manager.enabled()) {
    try {
      i.manager = std::make_unique<manager_registration>(i.io.get_executor(), i.cfg, port(), i.tls, i.metrics);
    } catch (const config_error& e) {
      spdlog::error("{}", e.what());
      return errc::invalid_argument;
    }
    std::weak_ptr<impl> weak = impl_;
    i.manager->start([weak](const net::manager::cluster_config& c) {
      if (auto self = weak.lock()) self->apply_cluster_config(c);
    });
    // Finished downloads go to the manager's analytics (docs/manager.md, "Analytics").
    i.sw.set_download_sink([weak](download_report r) {
      if (auto self = weak.lock(); self && self->manager) self->manager->report(std::move(r));
    });
  }
  spdlog::info("dfscheduler listening on {}:{}", i.cfg.listen, port());
  if (i.cfg.security.seed_peers.empty() && i.cfg.security.mode != security_mode::mtls && i.cfg.listen != "127.0.0.1" &&
      i.cfg.listen != "::1")
    spdlog::warn("security.seed_peers is empty: any host that reaches port {} may claim to be a seed peer "
                 "(docs/security.md)", port());
  return {};
}

void service::stop() {
  if (impl_->manager) impl_->manager->stop();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->reaper.cancel();
  impl_->metrics_server.stop();
  for (auto& [id, c] : impl_->connections) c.stream->close();
}

std::uint16_t service::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace df::scheduler
