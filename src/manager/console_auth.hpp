#pragma once
// The console's sign-in (docs/console.md, "Sessions"): the session endpoints under
// /api/v1/users (signin, signout, me, me/password), the user behind a df_session cookie, the
// CSRF rule, and the root account made at first start. Every function here runs on the database
// thread; server.cpp calls them.

#include "manager/access_policy.hpp"
#include "manager/api.hpp"
#include "manager/api_error.hpp"
#include "manager/audit.hpp"
#include "manager/config.hpp"
#include "manager/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// The name of the session cookie.
inline constexpr std::string_view session_cookie_name = "df_session";

/// The console settings in milliseconds, and whether cookies are `Secure` (the API is HTTPS).
struct console_settings {
  std::int64_t session_ttl_ms = 12LL * 3600 * 1000;
  std::int64_t idle_timeout_ms = 3600LL * 1000;
  std::uint32_t max_failures = 5;
  std::int64_t failure_window_ms = 5LL * 60 * 1000;
  bool secure_cookie = false;

  static console_settings from(const config::console_config& c, bool tls);
};

/// How a sign-in went, for the metrics.
enum class signin_outcome { none, success, failure, locked };

/// What a session endpoint needs from the HTTP request.
struct session_request {
  const api_request& api;
  std::string cookie;       // the df_session value ("" when none)
  std::string csrf_header;  // X-CSRF-Token
  std::string remote_ip;
};

/// A session endpoint's answer, the sign-in outcome and who to audit it as.
struct session_answer {
  api_response response;
  signin_outcome signin = signin_outcome::none;
  audit_actor actor;
};

/// The df_session value in a Cookie header ("" when absent or malformed).
std::string session_cookie(std::string_view cookie_header);

/// Whether `path` is one of the session endpoints answered by answer_session_endpoint.
bool is_session_endpoint(std::string_view path);

/// Answers POST /api/v1/users/signin, POST …/signout, GET …/me and POST …/me/password; never
/// throws (errors are answers).
session_answer answer_session_endpoint(store& db, const console_settings& s, const session_request& r,
                                       std::int64_t now);

/// The user behind a df_session cookie (kind user, with what their roles grant), the session's
/// activity recorded; else a 401 api_error (unknown, expired or idle session, disabled user).
caller session_caller(store& db, const console_settings& s, const std::string& cookie, std::int64_t now);

/// Whether a cookie-authenticated request may go on: GET/HEAD always, others only when
/// `csrf_header` equals the session's token (constant-time compare).
bool csrf_ok(const caller& who, std::string_view method, std::string_view csrf_header);

/// At first start with no users: creates `root` (super-admin) with `env_password` (from
/// DF_MANAGER_ROOT_PASSWORD; null or empty = a random one) and returns the generated password
/// to print once (nullopt when given or when users exist). Throws config_error when the given
/// password breaks the policy or the database fails.
std::optional<std::string> create_root_account(store& db, const char* env_password, std::int64_t now);

}  // namespace df::manager
