#include "manager/server.hpp"

#include "core/yaml_config.hpp"
#include "manager/admin_token.hpp"
#include "manager/api.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/sql_store.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace df::manager {

namespace {

using net::awaitable;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

/// What the process tracks:
///  1. the metrics (requests by class, rejections by reason, component gauges read at scrape);
///  2. the store and the one thread that calls it (`db_thread`);
///  3. the HTTP server that answers /healthy, /metrics and /api/v1.
struct server::impl {
  impl(boost::asio::io_context& io_, const config& c, std::unique_ptr<store> s, std::string token)
      : io(io_),
        cfg(c),
        db(std::move(s)),
        admin_token(std::move(token)),
        ctx{*db, wall_ms, c.keepalive.interval, c.keepalive.misses},
        ok(metrics.counter("dragonfly_manager_requests_total", "API requests answered, by status class", "code=\"2xx\"")),
        client_errors(metrics.counter("dragonfly_manager_requests_total", "", "code=\"4xx\"")),
        server_errors(metrics.counter("dragonfly_manager_requests_total", "", "code=\"5xx\"")),
        unauthorized(metrics.counter("dragonfly_manager_requests_rejected_total",
                                     "Requests refused before or while being handled, by reason",
                                     "reason=\"unauthorized\"")),
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
        http(io.get_executor(), [this](const net::http_request& r, net::response_writer& w) { return serve(r, w); }) {
    ctx.job_rate.set_limit(cfg.jobs.rate_limit);
    http.set_body_limit(cfg.max_body, &too_large);
    http.set_connection_limit(cfg.max_connections, &refused);
  }

  // Runs f() on the database thread and resumes here with its value.
  template <class F>
  awaitable<std::invoke_result_t<F>> on_db(F f) {
    co_return co_await net::asio::co_spawn(
        db_thread.get_executor(), [&]() -> awaitable<std::invoke_result_t<F>> { co_return f(); }, net::use_awaitable);
  }

  awaitable<void> serve(const net::http_request& r, net::response_writer& w) {
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
    api_response res;
    if (req.path == "/api/v1/certificates") {
      res = enroll(req);
    } else if (req.path.starts_with("/oapi/v1/")) {  // personal access tokens (docs/preheat.md)
      const auto authorization = r.header("Authorization");
      res = co_await on_db([this, &req, &authorization] { return handle_oapi(ctx, req, authorization); });
      if (res.status >= 400 && res.status < 500) (res.status == 401 || res.status == 403 ? unauthorized : invalid).add();
      if (res.status == 503) store_errors.add();
    } else if (!bearer_matches(r.header("Authorization"), admin_token)) {
      unauthorized.add();
      res.status = 401;
      res.body = R"({"code":"unauthorized","message":"this API needs Authorization: Bearer <admin token>"})";
      res.headers.emplace_back("WWW-Authenticate", "Bearer");
    } else {
      res = co_await on_db([this, &req] { return handle_api(ctx, req); });
      if (res.status >= 400 && res.status < 500) invalid.add();
      if (res.status == 503) store_errors.add();
    }
    (res.status < 400 ? ok : res.status < 500 ? client_errors : server_errors).add();
    net::header_map headers;
    headers["Content-Type"] = "application/json";
    for (const auto& [k, v] : res.headers) headers[k] = v;
    auto head = co_await w.write_head(res.status, headers, res.body.size());
    if (head) co_await w.write_body(std::as_bytes(std::span(res.body.data(), res.body.size())));
  }

  /// Enrollment: {"csr": PEM, "token": bootstrap token} → 201 {"certificate", "ca"}; the token
  /// (never logged) decides the role.
  api_response enroll(const api_request& req) {
    const auto answer = [](int status, const std::string& code, const std::string& message) {
      api_response r;
      r.status = status;
      r.body = nlohmann::json{{"code", code}, {"message", message}}.dump();
      return r;
    };
    if (!issuer) return answer(404, "not_found", "enrollment is not configured (enrollment.ca_cert)");
    if (req.method != "POST") return answer(405, "method_not_allowed", "allowed: POST");
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || body.size() != 2 || !body.contains("csr") || !body.contains("token") ||
        !body["csr"].is_string() || !body["token"].is_string())
      return answer(400, "invalid", "the body must be {\"csr\": PEM, \"token\": bootstrap token}");
    std::string role;
    for (const auto& [token, granted] : cfg.enrollment.tokens)
      if (bearer_matches("Bearer " + body["token"].get<std::string>(), token)) role = granted;
    if (role.empty()) {
      enrollments_refused.add();
      unauthorized.add();
      return answer(401, "unauthorized", "unknown enrollment token");
    }
    std::string why;
    auto cert = issuer->issue(body["csr"].get<std::string>(), role, why);
    if (!cert) {
      enrollments_refused.add();
      return answer(400, "invalid", why);
    }
    enrollments_issued.add();
    spdlog::info("dfmanager: issued a {} certificate on enrollment", role);
    api_response r;
    r.status = 201;
    r.body = nlohmann::json{{"certificate", *cert}, {"ca", issuer->ca_pem()}}.dump();
    return r;
  }

  // On the database thread.
  std::string render_metrics() {
    if (const auto c = db->count(ctx.alive_since())) {
      active_schedulers.set(c->active_schedulers);
      active_seed_peers.set(c->active_seed_peers);
      hosts.set(c->hosts);
      clusters.set(c->clusters);
    }
    return metrics.render();
  }

  boost::asio::io_context& io;
  config cfg;
  std::unique_ptr<store> db;
  std::string admin_token;
  api_context ctx;
  net::metrics_registry metrics;
  net::metric &ok, &client_errors, &server_errors, &unauthorized, &invalid, &too_large, &refused, &store_errors;
  net::metric &active_schedulers, &active_seed_peers, &hosts, &enrollments_issued, &enrollments_refused, &clusters;
  std::unique_ptr<certificate_issuer> issuer;
  boost::asio::thread_pool db_thread{1};
  net::http_server http;
};

server::server(boost::asio::io_context& io, const config& cfg, std::unique_ptr<store> db, std::string admin_token)
    : impl_(std::make_unique<impl>(io, cfg, std::move(db), std::move(admin_token))) {}

server::~server() { stop(); }

void server::use_issuer(std::unique_ptr<certificate_issuer> issuer) { impl_->issuer = std::move(issuer); }

result<std::uint16_t> server::start() {
  auto port = impl_->http.listen(impl_->cfg.listen, impl_->cfg.port);
  if (!port) return port;
  impl_->http.start();
  spdlog::info("dfmanager: API on {}:{} (database: {})", impl_->cfg.listen, *port, impl_->cfg.database.type);
  return port;
}

void server::stop() {
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

}  // namespace df::manager
