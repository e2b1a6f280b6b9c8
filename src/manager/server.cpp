#include "manager/server.hpp"

#include "core/yaml_config.hpp"
#include "manager/admin_token.hpp"
#include "manager/api.hpp"
#include "manager/api_crl.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/cluster_binding.hpp"
#include "manager/console_assets.hpp"
#include "manager/console_gate.hpp"
#include "manager/enrollment.hpp"
#include "manager/request_auth.hpp"
#include "manager/revocation_list.hpp"
#include "manager/sql_store.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <filesystem>
#include <string_view>
#include <vector>

namespace df::manager {

namespace {

using net::awaitable;

constexpr auto crl_refresh_interval = std::chrono::seconds(5);  // how often security.crl_file is checked
constexpr auto tls_handshake_timeout = std::chrono::seconds(10);

// A JSON error answer {"code", "message"}.
api_response error_answer(int status, const std::string& code, const std::string& message) {
  api_response r;
  r.status = status;
  r.body = nlohmann::json{{"code", code}, {"message", message}}.dump();
  r.error_code = code;
  return r;
}

// The bounded set of route classes request durations are labelled with (no IDs in labels).
constexpr std::array<std::string_view, 20> route_classes{
    "healthy", "metrics", "certificates", "crl", "revoke", "scheduler-clusters", "seed-peer-clusters",
    "schedulers", "seed-peers", "hosts", "jobs", "personal-access-tokens", "users", "roles", "audits",
    "permissions", "enrollment-tokens", "analytics", "oapi", "other"};

// The index in route_classes of a request's path (its query removed).
std::size_t route_class(std::string_view path) {
  if (path == "/healthy") return 0;
  if (path == "/metrics") return 1;
  if (path == "/api/v1/certificates") return 2;
  if (path == "/api/v1/crl") return 3;
  if (path == "/api/v1/certificates/revoke") return 4;
  if (path.starts_with("/oapi/v1/")) return route_classes.size() - 2;
  if (path == "/api/v1/webhooks/registry") return 10;  // "jobs": it creates them
  if (path == "/api/v1/audits.csv") return 14;
  constexpr std::string_view prefix = "/api/v1/";
  if (!path.starts_with(prefix)) return route_classes.size() - 1;
  const auto resource = path.substr(prefix.size(), path.find('/', prefix.size()) - prefix.size());
  for (std::size_t i = 5; i + 2 < route_classes.size(); ++i)
    if (resource == route_classes[i]) return i;
  return route_classes.size() - 1;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

/// What the process tracks:
///  1. the metrics (requests by class, rejections by reason, component gauges read at scrape);
///  2. the store and the one thread that calls it (`db_thread`);
///  3. the HTTP(S) server that answers /healthy, /metrics and /api/v1;
///  4. the credentials it accepts (tokens, the TLS identity whose CRL it re-reads).
struct server::impl {
  impl(boost::asio::io_context& io_, const config& c, std::unique_ptr<store> s, std::string token,
       std::string component)
      : io(io_),
        cfg(c),
        db(std::move(s)),
        admin_token(std::move(token)),
        component_token(std::move(component)),
        ctx{*db, wall_ms, c.keepalive.interval, c.keepalive.misses},
        ok(metrics.counter("dragonfly_manager_requests_total", "API requests answered, by status class", "code=\"2xx\"")),
        client_errors(metrics.counter("dragonfly_manager_requests_total", "", "code=\"4xx\"")),
        server_errors(metrics.counter("dragonfly_manager_requests_total", "", "code=\"5xx\"")),
        unauthorized(metrics.counter("dragonfly_manager_requests_rejected_total",
                                     "Requests refused before or while being handled, by reason",
                                     "reason=\"unauthorized\"")),
        forbidden(metrics.counter("dragonfly_manager_requests_rejected_total", "", "reason=\"forbidden\"")),
        invalid(metrics.counter("dragonfly_manager_requests_rejected_total", "", "reason=\"invalid\"")),
        too_large(metrics.counter("dragonfly_manager_requests_rejected_total", "", "reason=\"body_too_large\"")),
        refused(metrics.counter("dragonfly_manager_connections_refused_total",
                                "Connections closed at accept: over server.max_connections")),
        store_errors(metrics.counter("dragonfly_manager_store_errors_total",
                                     "API requests answered 503 because the database was unavailable")),
        active_schedulers(metrics.gauge("dragonfly_manager_schedulers", "Schedulers, by state", "state=\"active\"")),
        active_seed_peers(metrics.gauge("dragonfly_manager_seed_peers", "Seed peers, by state", "state=\"active\"")),
        hosts(metrics.gauge("dragonfly_manager_hosts", "Hosts that announced themselves")),
        enrollments_issued(metrics.counter("dragonfly_manager_enrollments_total", "Certificate requests answered",
                                           "result=\"issued\"")),
        enrollments_refused(metrics.counter("dragonfly_manager_enrollments_total", "", "result=\"refused\"")),
        clusters(metrics.gauge("dragonfly_manager_scheduler_clusters", "Scheduler clusters")),
        jobs_pending(metrics.gauge("dragonfly_manager_jobs", "Jobs queued or running, by state", "state=\"PENDING\"")),
        jobs_running(metrics.gauge("dragonfly_manager_jobs", "", "state=\"RUNNING\"")),
        tls_refused(metrics.counter("dragonfly_manager_tls_handshakes_failed_total",
                                    "TLS connections closed before a request: a failed, timed-out or refused handshake")),
        downloads_recorded(metrics.counter("dragonfly_manager_download_records_total",
                                           "Download records schedulers reported and the manager stored")),
        download_batches_refused(metrics.counter("dragonfly_manager_download_batches_refused_total",
                                                 "Download record batches refused (invalid, oversize, another "
                                                 "cluster's, or the database failed)")),
        revoked(metrics.counter("dragonfly_manager_revocations_total",
                                "POST /api/v1/certificates/revoke requests that revoked certificates")),
        http(io.get_executor(), [this](const net::http_request& r, net::response_writer& w) { return serve(r, w); }) {
    ctx.job_rate.set_limit(cfg.jobs.rate_limit);
    ctx.webhook_rules = cfg.webhooks.rules;
    ctx.harbor_scheme = cfg.webhooks.harbor_scheme;
    for (const auto route : route_classes)
      request_time.push_back(&metrics.add_histogram("dragonfly_manager_request_duration_seconds",
                                                    "Requests from their head until answered, by route class",
                                                    net::histogram::latency_bounds,
                                                    fmt::format("route=\"{}\"", route)));
    http.set_body_limit(cfg.max_body, &too_large);
    http.set_connection_limit(cfg.max_connections, &refused);
  }

  // Runs f() on the database thread and resumes here with its value.
  template <class F>
  awaitable<std::invoke_result_t<F>> on_db(F f) {
    co_return co_await net::asio::co_spawn(
        db_thread.get_executor(), [&]() -> awaitable<std::invoke_result_t<F>> { co_return f(); }, net::use_awaitable);
  }

  // Answers one request and observes how long it took, by route class.
  awaitable<void> serve(const net::http_request& r, net::response_writer& w) {
    const auto began = std::chrono::steady_clock::now();
    co_await answer(r, w);
    const auto path = std::string_view(r.target).substr(0, r.target.find('?'));
    request_time[route_class(path)]->observe(std::chrono::steady_clock::now() - began);
  }

  awaitable<void> answer(const net::http_request& r, net::response_writer& w) {
    const auto q = r.target.find('?');
    api_request req{r.method, r.target.substr(0, q), q == std::string::npos ? "" : r.target.substr(q + 1), r.body};
    if (req.path == "/healthy") {
      co_await net::write_simple(w, 200, "text/plain", "OK\n");
      co_return;
    }
    if (req.path == "/metrics") {
      const auto text = co_await on_db([this] { return render_metrics(); });
      co_await net::write_simple(w, 200, "text/plain; version=0.0.4", text);
      co_return;
    }
    if (console && is_console_path(req.path)) {  // the web console's files (docs/console.md)
      co_await console->serve(r, w);
      co_return;
    }
    api_response res;
    if (req.path == "/api/v1/certificates") {
      const auto enrolled = co_await on_db([this, &req] {
        return enroll_certificate(issuer.get(), cfg.enrollment.tokens, db->enrollment(), req, wall_ms());
      });
      res = enrolled.response;
      if (res.status == 201) enrollments_issued.add();
      if (enrolled.refused) enrollments_refused.add();
      if (res.status == 401) unauthorized.add();
      if (res.status == 503) store_errors.add();
    } else if (req.path == "/api/v1/webhooks/registry") {  // a registry's push notification (docs/preheat.md)
      const auto authorization = r.header("Authorization");
      res = co_await on_db([this, &req, &authorization] { return handle_registry_webhook(ctx, req, authorization); });
      gate.audit_token_call(r, req, res);
      if (res.status >= 400 && res.status < 500) {
        (res.status == 401 ? unauthorized : res.status == 403 ? forbidden : invalid).add();
        spdlog::warn("manager: registry notification refused: {} {}", res.status, res.error_code);
      }
      if (res.status == 503) store_errors.add();
    } else if (req.path.starts_with("/oapi/v1/")) {  // personal access tokens (docs/preheat.md)
      const auto authorization = r.header("Authorization");
      res = co_await on_db([this, &req, &authorization] { return handle_oapi(ctx, req, authorization); });
      gate.audit_token_call(r, req, res);
      if (res.status >= 400 && res.status < 500) (res.status == 401 ? unauthorized : res.status == 403 ? forbidden : invalid).add();
      if (res.status == 503) store_errors.add();
    } else if (req.path == "/api/v1/crl") {
      res = co_await on_db([this, &req] { return serve_crl(revocations.get(), req); });
    } else if (is_session_endpoint(req.path)) {
      res = co_await gate.session_endpoint(r, req);
    } else {
      res = co_await authorized_api(r, req);
    }
    (res.status < 400 ? ok : res.status < 500 ? client_errors : server_errors).add();
    net::header_map headers;
    headers["Content-Type"] = "application/json";
    for (const auto& [k, v] : res.headers) headers[k] = v;
    auto head = co_await w.write_head(res.status, headers, res.body.size());
    if (head) co_await w.write_body(std::as_bytes(std::span(res.body.data(), res.body.size())));
  }

  // /api/v1 behind the credentials: who sent it, whether that caller may, then the answer (the
  // API's on the database thread); counts refusals.
  awaitable<api_response> authorized_api(const net::http_request& r, const api_request& req) {
    std::string why;
    int failed = 0;  // the session lookup's error status (401, 503)
    const auto cookie = r.header("Authorization").empty() ? session_cookie(r.header("Cookie")) : std::string();
    caller who;
    if (cookie.empty()) {
      who = auth->identify(r, why);
    } else {
      who = co_await gate.identify(cookie, why, failed);
    }
    if (failed == 503) co_return error_answer(503, "store_unavailable", why);
    const auto decision = decide_access(who, req.method, req.path);
    api_response res = co_await decided_api(r, req, who, decision, why);
    gate.audit(who, r, req, res);
    co_return res;
  }

  // The answer to an identified /api/v1 request: 401, 403, or the API's.
  awaitable<api_response> decided_api(const net::http_request& r, const api_request& req, const caller& who,
                                      const access_decision& decision, const std::string& why) {
    api_response res;
    if (decision.verdict == access_decision::outcome::unauthorized) {
      unauthorized.add();
      res = error_answer(401, "unauthorized", why.empty() ? decision.message : decision.message + " (" + why + ")");
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_return res;
    }
    const auto wrong_address = address_binding_violation(who, req.method, req.path, req.body, r.remote_address);
    if (who.how == caller::kind::user && !csrf_ok(who, req.method, r.header("X-CSRF-Token"))) {
      res = error_answer(403, "csrf", "X-CSRF-Token is missing or wrong");
    } else if (!decision.allowed()) {
      res = error_answer(403, "forbidden", decision.message);
    } else if (wrong_address) {
      res = error_answer(403, "forbidden", *wrong_address);
    } else if (req.path == "/api/v1/certificates/revoke") {
      res = co_await on_db(
          [this, &req] { return revoke_certificates(revocations.get(), issuer.get(), db->enrollment(), req); });
      if (res.status == 200) revoked.add();
    } else {
      auto as_user = req;  // what the API needs to know of a console user
      as_user.user_id = who.user_id;
      as_user.own_tokens_only = who.how == caller::kind::user && !(who.granted.unscoped == permission_set::all());
      res = co_await on_db([this, &as_user, &who, &decision] {
        const auto& req = as_user;
        if (auto wrong = name_binding_violation(*db, who, decision, req.body))
          return error_answer(403, "forbidden", *wrong);
        if (auto wrong = cluster_binding_violation(*db, who, decision, req.body, wall_ms()))
          return error_answer(403, "forbidden", *wrong);
        return handle_api(ctx, with_certificate_cluster(db->enrollment(), who, req));
      });
    }
    if (res.error_code == "forbidden" || res.error_code == "csrf") forbidden.add();
    else if (res.status >= 400 && res.status < 500) invalid.add();
    if (res.status == 503) store_errors.add();
    if (is_download_report(req)) count_download_report(res);
    co_return res;
  }

  static bool is_download_report(const api_request& req) {
    return req.method == "POST" && req.path.starts_with("/api/v1/schedulers/") && req.path.ends_with("/downloads");
  }

  void count_download_report(const api_response& res) {
    if (res.status != 200) {
      download_batches_refused.add();
      return;
    }
    const auto answer = nlohmann::json::parse(res.body, nullptr, false);
    if (answer.is_object() && answer.contains("accepted") && answer["accepted"].is_number_unsigned())
      downloads_recorded.add(answer["accepted"].get<std::uint64_t>());
  }

  // On the database thread.
  std::string render_metrics() {
    if (const auto c = db->count(ctx.alive_since())) {
      active_schedulers.set(c->active_schedulers);
      active_seed_peers.set(c->active_seed_peers);
      hosts.set(c->hosts);
      clusters.set(c->clusters);
      jobs_pending.set(c->jobs_pending);
      jobs_running.set(c->jobs_running);
    }
    return metrics.render();
  }

  // Every crl_refresh_interval until stop(): as the CA, signs its CRL again when the database's
  // revocations changed (another replica revoked) or it is a day old; re-reads security.crl_file
  // when it changed.
  awaitable<void> maintain_crl() {
    while (!stopped) {
      crl_timer.expires_after(crl_refresh_interval);
      co_await crl_timer.async_wait(net::use_nothrow);
      if (stopped) break;
      std::string why;
      if (revocations) {
        const bool fresh = co_await on_db([this, &why] { return revocations->refresh(why); });
        if (!fresh) spdlog::error("dfmanager: cannot sign the CRL from the database: {}", why);
        why.clear();
      }
      if (!tls) continue;
      if (tls->refresh_crl(why)) spdlog::info("dfmanager: security.crl_file reloaded");
      else if (!why.empty()) spdlog::error("dfmanager: cannot reload security.crl_file: {}", why);
    }
  }

  boost::asio::io_context& io;
  config cfg;
  std::unique_ptr<store> db;
  std::string admin_token, component_token;
  api_context ctx;
  net::metrics_registry metrics;
  net::metric &ok, &client_errors, &server_errors, &unauthorized, &forbidden, &invalid, &too_large, &refused;
  net::metric &store_errors, &active_schedulers, &active_seed_peers, &hosts, &enrollments_issued,
      &enrollments_refused, &clusters, &jobs_pending, &jobs_running, &tls_refused, &downloads_recorded,
      &download_batches_refused, &revoked;
  std::vector<net::histogram*> request_time;  // by route_classes index
  std::unique_ptr<certificate_issuer> issuer;
  std::unique_ptr<revocation_list> revocations;  // with `issuer`, which it uses
  std::shared_ptr<net::tls_identity> tls;
  std::optional<request_authenticator> auth;
  std::unique_ptr<console_assets> console;  // null: console.dir is "" or missing
  boost::asio::steady_timer crl_timer{io};
  bool stopped = false;
  boost::asio::thread_pool db_thread{1};
  console_gate gate{io, cfg, *db, db_thread, metrics, unauthorized, wall_ms};  // sessions, audit
  net::http_server http;
};

server::server(boost::asio::io_context& io, const config& cfg, std::unique_ptr<store> db, std::string admin_token,
               std::string component_token)
    : impl_(std::make_unique<impl>(io, cfg, std::move(db), std::move(admin_token), std::move(component_token))) {}

server::~server() { stop(); }

void server::use_issuer(std::unique_ptr<certificate_issuer> issuer, std::unique_ptr<revocation_list> revocations) {
  impl_->revocations.reset();
  impl_->issuer = std::move(issuer);
  impl_->revocations = std::move(revocations);
}

void server::use_tls(std::shared_ptr<net::tls_identity> tls) {
  auto& i = *impl_;
  i.tls = std::move(tls);
  // mtls: ask for a client certificate and verify one that is sent, but let clients without one
  // (the admin token, browsers) finish the handshake; the access policy decides per request.
  if (i.tls->mode() == security_mode::mtls) SSL_CTX_set_verify(i.tls->server().native_handle(), SSL_VERIFY_PEER, nullptr);
  i.http.use_tls(i.tls->server(), nullptr, tls_handshake_timeout, &i.tls_refused);
}

result<std::uint16_t> server::start() {
  auto& i = *impl_;
  i.auth.emplace(i.admin_token, i.component_token, i.tls.get());
  if (!i.cfg.console.dir.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(i.cfg.console.dir, ec))
      i.console = std::make_unique<console_assets>(i.cfg.console.dir);
    else
      spdlog::warn("dfmanager: console.dir {} is not a directory: no web console", i.cfg.console.dir);
  }
  auto port = i.http.listen(i.cfg.listen, i.cfg.port);
  if (!port) return port;
  i.http.start();
  if (i.tls || i.revocations) net::asio::co_spawn(i.io, i.maintain_crl(), net::asio::detached);
  i.gate.start();
  spdlog::info("dfmanager: API on {}://{}:{} (database: {})", i.tls ? "https" : "http", i.cfg.listen, *port,
               i.cfg.database.type);
  return port;
}

void server::stop() {
  impl_->stopped = true;
  impl_->crl_timer.cancel();
  impl_->gate.stop();
  impl_->http.stop();
  impl_->db_thread.join();
}

std::unique_ptr<store> open_store(const config& cfg) {
  try {
    if (cfg.database.type == "postgres")
      return make_sql_store(open_postgres(cfg.postgres_conninfo(), static_cast<int>(cfg.database.pg_statement_timeout.count())));
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cfg.sqlite_file()).parent_path(), ec);
    return make_sql_store(open_sqlite(cfg.sqlite_file(), static_cast<int>(cfg.database.sqlite_busy_timeout.count())));
  } catch (const sql_error& e) {
    throw config_error(std::string("database: ") + e.what());
  }
}

void open_certificate_authority(const config& cfg, store& db, std::unique_ptr<certificate_issuer>& issuer,
                                std::unique_ptr<revocation_list>& revocations) {
  if (cfg.enrollment.ca_cert.empty()) return;
  std::string why;
  auto loaded = certificate_issuer::load(cfg.enrollment.ca_cert, cfg.enrollment.ca_key,
                                         std::chrono::duration_cast<std::chrono::seconds>(cfg.enrollment.validity), why);
  if (!loaded) throw config_error(why);
  issuer = std::move(*loaded);
  revocations = std::make_unique<revocation_list>(cfg.data_dir, *issuer, db.enrollment());
  if (!revocations->open(why)) throw config_error(why);
}

std::shared_ptr<net::tls_identity> load_manager_identity(const security_settings& s) {
  if (s.mode == security_mode::off) return nullptr;
  std::string why;
  auto tls = net::tls_identity::load(s, why);
  if (!tls) throw config_error(why);
  if ((*tls)->own().role != net::cluster_role::manager)
    throw config_error("security.cert_file " + s.cert_file + " names " + (*tls)->own().uri() +
                       "; the manager needs a certificate of role manager (scripts/certs.sh issue DIR manager NAME)");
  return std::move(*tls);
}

}  // namespace df::manager
