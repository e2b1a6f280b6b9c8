#pragma once
// The console's part of dfmanager's server (docs/console.md): the session endpoints, who a
// df_session cookie is, the audit rows of answered calls and the hourly housekeeping (audit
// retention, ended sessions, old sign-in failures). Everything that touches the store runs on
// the server's database thread; server.cpp calls this from its I/O thread.

#include "manager/api.hpp"
#include "manager/audit.hpp"
#include "manager/config.hpp"
#include "manager/console_auth.hpp"
#include "manager/store.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>

namespace df::manager {

/// Owned by the server; shares its store, database thread and metrics, and outlives neither.
class console_gate {
 public:
  console_gate(boost::asio::io_context& io, const config& cfg, store& db, boost::asio::thread_pool& db_thread,
               net::metrics_registry& metrics, net::metric& unauthorized, std::function<std::int64_t()> now_ms);

  /// Answers a session endpoint (is_session_endpoint), counted and audited.
  net::awaitable<api_response> session_endpoint(const net::http_request& r, const api_request& req);
  /// The user behind the request's df_session cookie; anonymous with `why` when there is none
  /// that lives, and `failed` = the status (401, or 503 when the database is down).
  net::awaitable<caller> identify(const std::string& cookie, std::string& why, int& failed);
  /// Records an answered /api/v1 call by a user or the admin token (components are not audited).
  void audit(const caller& who, const net::http_request& r, const api_request& req, const api_response& res);
  /// Records an answered call authenticated by a personal access token (/oapi/v1, the registry
  /// webhook), as that token when the manager knows it.
  void audit_token_call(const net::http_request& r, const api_request& req, const api_response& res);
  /// Starts the hourly housekeeping; stop() ends it.
  void start();
  void stop();

 private:
  void audit(const audit_actor& who, const net::http_request& r, const api_request& req, const api_response& res);
  net::awaitable<void> housekeeping();

  const config& cfg_;
  store& db_;
  boost::asio::thread_pool& db_thread_;
  console_settings settings_;
  net::metric &unauthorized_, &signins_ok_, &signins_failed_, &signins_locked_;
  std::function<std::int64_t()> now_ms_;
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace df::manager
