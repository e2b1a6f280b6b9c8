#include "manager/console_gate.hpp"

#include "manager/analytics_store.hpp"
#include "manager/token_auth.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

constexpr auto housekeeping_interval = std::chrono::hours(1);

// Who an /api/v1 caller is in the audit log; components are not audited (docs/console.md).
audit_actor actor_of(const caller& who) {
  if (who.how == caller::kind::user) return {"user", who.user_name};
  if (who.how == caller::kind::admin) return {"admin_token", "admin"};
  return {};
}

}  // namespace

console_gate::console_gate(boost::asio::io_context& io, const config& cfg, store& db,
                           boost::asio::thread_pool& db_thread, net::metrics_registry& metrics,
                           net::metric& unauthorized, std::function<std::int64_t()> now_ms)
    : cfg_(cfg),
      db_(db),
      db_thread_(db_thread),
      settings_(console_settings::from(cfg.console, cfg.security.mode != security_mode::off)),
      unauthorized_(unauthorized),
      signins_ok_(metrics.counter("dragonfly_manager_signins_total", "Console sign-ins, by result",
                                  "result=\"success\"")),
      signins_failed_(metrics.counter("dragonfly_manager_signins_total", "", "result=\"failure\"")),
      signins_locked_(metrics.counter("dragonfly_manager_signins_total", "", "result=\"locked\"")),
      now_ms_(std::move(now_ms)),
      io_(io),
      timer_(io) {}

net::awaitable<api_response> console_gate::session_endpoint(const net::http_request& r, const api_request& req) {
  const session_request sr{req, session_cookie(r.header("Cookie")), r.header("X-CSRF-Token"), r.remote_address};
  auto answered = co_await net::asio::co_spawn(
      db_thread_.get_executor(),
      [&]() -> net::awaitable<session_answer> { co_return answer_session_endpoint(db_, settings_, sr, now_ms_()); },
      net::use_awaitable);
  if (answered.signin == signin_outcome::success) signins_ok_.add();
  if (answered.signin == signin_outcome::failure) signins_failed_.add();
  if (answered.signin == signin_outcome::locked) signins_locked_.add();
  if (answered.response.status == 401 || answered.response.status == 429) unauthorized_.add();
  audit(answered.actor, r, req, answered.response);
  co_return std::move(answered.response);
}

net::awaitable<caller> console_gate::identify(const std::string& cookie, std::string& why, int& failed) {
  co_return co_await net::asio::co_spawn(
      db_thread_.get_executor(),
      [&]() -> net::awaitable<caller> {
        try {
          co_return session_caller(db_, settings_, cookie, now_ms_());
        } catch (const api_error& e) {
          why = e.what();
          failed = e.status;
        }
        co_return caller{};
      },
      net::use_awaitable);
}

void console_gate::audit(const caller& who, const net::http_request& r, const api_request& req,
                         const api_response& res) {
  audit(actor_of(who), r, req, res);
}

void console_gate::audit(const audit_actor& who, const net::http_request& r, const api_request& req,
                         const api_response& res) {
  if (who.type.empty() || !state_changing(req.method)) return;
  net::asio::post(db_thread_, [this, row = make_audit(who, r.remote_address, req.method, req.path, res.status,
                                                      res.body, now_ms_())] {
    if (!db_.accounts().append_audit(row)) spdlog::warn("manager: an audit row could not be written");
  });
}

void console_gate::audit_token_call(const net::http_request& r, const api_request& req, const api_response& res) {
  if (!state_changing(req.method)) return;
  net::asio::post(db_thread_, [this, authorization = r.header("Authorization"),
                               row = make_audit({}, r.remote_address, req.method, req.path, res.status, res.body,
                                                now_ms_())]() mutable {
    const auto id = token_id_of(db_, authorization);
    if (!id) return;
    row.actor_type = "personal_access_token";
    row.actor = std::to_string(*id);
    if (!db_.accounts().append_audit(row)) spdlog::warn("manager: an audit row could not be written");
  });
}

void console_gate::start() { net::asio::co_spawn(io_, housekeeping(), net::asio::detached); }

void console_gate::stop() {
  stopped_ = true;
  timer_.cancel();
}

net::awaitable<void> console_gate::housekeeping() {
  while (!stopped_) {
    net::asio::post(db_thread_, [this] {
      const auto now = now_ms_();
      auto& a = db_.accounts();
      if (const auto n = a.prune_audits(now - cfg_.audit.retention.count()); n && *n)
        spdlog::info("manager: deleted {} audit rows past audit.retention", *n);
      if (const auto n = db_.analytics().prune_downloads(now - cfg_.analytics.retention.count(), cfg_.analytics.max_rows);
          n && *n)
        spdlog::info("manager: deleted {} download records past analytics.retention or analytics.max_rows", *n);
      (void)a.prune_sessions(now, settings_.idle_timeout_ms);
      (void)a.clear_signin_failures("", now - settings_.failure_window_ms);
    });
    timer_.expires_after(housekeeping_interval);
    co_await timer_.async_wait(net::use_nothrow);
  }
}

}  // namespace df::manager
