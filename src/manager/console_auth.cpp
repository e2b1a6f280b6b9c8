#include "manager/console_auth.hpp"

#include "core/digest.hpp"
#include "core/yaml_config.hpp"
#include "manager/account_codec.hpp"
#include "manager/api_handlers.hpp"
#include "manager/password.hpp"
#include "manager/token_auth.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::manager {

namespace {

constexpr std::string_view users_prefix = "/api/v1/users/";
constexpr std::size_t cookie_value_size = 43;  // base64url of 32 bytes
constexpr std::string_view wrong_credentials = "wrong name or password";

// Hashed once: what an unknown name's password is checked against, so that the answer takes as
// long as for a real user and timing does not tell which names exist.
const std::string& dummy_hash() {
  static const std::string h = hash_password(random_base64url(16));
  return h;
}

std::string cookie_header(const console_settings& s, const std::string& value, std::int64_t max_age_s) {
  return std::string(session_cookie_name) + "=" + value + "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" +
         std::to_string(max_age_s) + (s.secure_cookie ? "; Secure" : "");
}

api_response error_response(int status, const std::string& code, const std::string& message) {
  auto r = json_response(status, {{"code", code}, {"message", message}});
  r.error_code = code;
  return r;
}

// How long `key` stays locked out (ms), 0 when it may try.
std::int64_t locked_for(account_store& db, const console_settings& s, const std::string& key, std::int64_t now) {
  const auto f = value_or_throw(db.signin_failures(key, now - s.failure_window_ms + 1), "sign-in failures");
  if (f.count < s.max_failures) return 0;
  return std::max<std::int64_t>(1000, f.oldest + s.failure_window_ms - now);
}

// The caller's user with what their roles grant.
caller user_caller(account_store& db, const user_record& u, std::string csrf) {
  caller c;
  c.how = caller::kind::user;
  c.user_id = u.id;
  c.user_name = u.name;
  std::vector<role_definition> custom;
  if (!std::all_of(u.roles.begin(), u.roles.end(), [](const auto& n) { return builtin_role(n) != nullptr; }))
    for (const auto& r : value_or_throw(db.all_roles(), "roles"))
      custom.push_back({r.name, false, permissions_from(r.permissions).value_or(permission_set{})});
  c.granted = grant(u.roles, custom);
  c.scheduler_cluster_ids = u.scheduler_cluster_ids;
  c.csrf_token = std::move(csrf);
  return c;
}

json me_json(const user_record& u, const caller& c) {
  auto j = to_json(u);
  j["permissions"] = permission_names(c.granted.any());
  j["csrf_token"] = c.csrf_token;
  return j;
}

session_answer signin(account_store& db, const console_settings& s, const session_request& r, std::int64_t now) {
  session_answer out;
  const auto body = parse_body(r.api.body);
  if (!body.is_object() || body.size() != 2 || !body.contains("name") || !body.contains("password") ||
      !body["name"].is_string() || !body["password"].is_string())
    throw api_error(400, "invalid_value", "the body must be {\"name\": string, \"password\": string}");
  const auto name = body["name"].get<std::string>();
  const auto password = body["password"].get<std::string>();
  if (name.empty() || name.size() > max_name_size) throw invalid_value("name", "1 to 64 characters");
  if (password.size() > max_password_size) throw invalid_value("password", "at most 1024 characters");
  out.actor = {"anonymous", valid_account_name(name) ? name : std::string("<invalid name>")};
  const auto name_key = "name:" + name, ip_key = "ip:" + r.remote_ip;
  if (const auto wait = std::max(locked_for(db, s, name_key, now), locked_for(db, s, ip_key, now))) {
    out.signin = signin_outcome::locked;
    out.response = error_response(429, "too_many_attempts", "too many failed sign-ins; try again later");
    out.response.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return out;
  }
  const auto found = db.find_user(name);
  if (!found && found.error() != store_errc::not_found) value_or_throw(found, "user");
  const bool matches = verify_password(password, found ? found->password_hash : dummy_hash());
  if (!found || !matches || found->state != "enabled") {
    value_or_throw(db.record_signin_failure(name_key, now), "sign-in failures");
    value_or_throw(db.record_signin_failure(ip_key, now), "sign-in failures");
    out.signin = signin_outcome::failure;
    out.response = error_response(401, "unauthorized", std::string(wrong_credentials));
    return out;
  }
  const auto cookie = random_base64url(32);
  const session_record session{sha256_hex(cookie), found->id, random_base64url(32), now, now + s.session_ttl_ms, now};
  value_or_throw(db.create_session(session), "session");
  value_or_throw(db.record_signin(found->id, now), "user");
  value_or_throw(db.clear_signin_failures(name_key, now - s.failure_window_ms), "sign-in failures");
  auto user = *found;
  user.last_signin_at = now;
  out.actor = {"user", user.name};
  out.signin = signin_outcome::success;
  out.response = json_response(200, {{"user", to_json(user)}, {"csrf_token", session.csrf_token}});
  out.response.headers.emplace_back("Set-Cookie", cookie_header(s, cookie, s.session_ttl_ms / 1000));
  spdlog::info("manager: user '{}' signed in from {}", user.name, r.remote_ip);
  return out;
}

api_response no_content_response() {
  api_response res;
  res.status = 204;
  return res;
}

session_answer signout(store& db, const console_settings& s, const session_request& r, std::int64_t now) {
  session_answer out;
  out.response = no_content_response();
  out.response.headers.emplace_back("Set-Cookie", cookie_header(s, "", 0));
  out.actor = {"anonymous", ""};
  if (r.cookie.empty()) return out;
  try {
    const auto who = session_caller(db, s, r.cookie, now);
    out.actor = {"user", who.user_name};
    if (!csrf_ok(who, r.api.method, r.csrf_header)) {
      out.response = error_response(403, "csrf", "X-CSRF-Token is missing or wrong");
      return out;
    }
  } catch (const api_error& e) {
    if (e.status != 401) throw;
    return out;  // no live session: nothing to end
  }
  value_or_throw(db.accounts().delete_session(sha256_hex(r.cookie)), "session");
  return out;
}

session_answer change_password(store& db, const console_settings& s, const session_request& r, std::int64_t now) {
  session_answer out;
  const auto who = session_caller(db, s, r.cookie, now);
  out.actor = {"user", who.user_name};
  if (!csrf_ok(who, r.api.method, r.csrf_header)) {
    out.response = error_response(403, "csrf", "X-CSRF-Token is missing or wrong");
    return out;
  }
  auto& accounts = db.accounts();
  const auto name_key = "name:" + who.user_name;
  if (const auto wait = locked_for(accounts, s, name_key, now)) {
    out.response = error_response(429, "too_many_attempts", "too many wrong passwords; try again later");
    out.response.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return out;
  }
  std::string old_password;
  const auto new_password = read_new_password(parse_body(r.api.body), &old_password);
  const auto user = value_or_throw(accounts.get_user(who.user_id), "user");
  if (!verify_password(old_password, user.password_hash)) {
    value_or_throw(accounts.record_signin_failure(name_key, now), "sign-in failures");
    out.response = error_response(403, "forbidden", "old_password: wrong password");
    return out;
  }
  value_or_throw(accounts.set_password(user.id, hash_password(new_password), now), "user");
  value_or_throw(accounts.delete_sessions_of(user.id, sha256_hex(r.cookie)), "sessions");
  spdlog::info("manager: user '{}' changed their password; their other sessions ended", user.name);
  out.response = no_content_response();
  return out;
}

session_answer route_session(store& db, const console_settings& s, const session_request& r, std::int64_t now) {
  const auto what = std::string_view(r.api.path).substr(users_prefix.size());
  const auto& m = r.api.method;
  if (what == "signin") {
    if (m != "POST") method_not_allowed("POST");
    return signin(db.accounts(), s, r, now);
  }
  if (what == "signout") {
    if (m != "POST") method_not_allowed("POST");
    return signout(db, s, r, now);
  }
  if (what == "me/password") {
    if (m != "POST") method_not_allowed("POST");
    return change_password(db, s, r, now);
  }
  if (m != "GET") method_not_allowed("GET");
  const auto who = session_caller(db, s, r.cookie, now);
  return {json_response(200, me_json(value_or_throw(db.accounts().get_user(who.user_id), "user"), who)),
          signin_outcome::none,
          {}};
}

}  // namespace

console_settings console_settings::from(const config::console_config& c, bool tls) {
  return {c.session_ttl.count(), c.idle_timeout.count(), c.signin_max_failures, c.signin_window.count(), tls};
}

std::string session_cookie(std::string_view header) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    auto pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != session_cookie_name) continue;
    const auto value = pair.substr(eq + 1);
    if (value.size() != cookie_value_size) return {};
    if (!std::all_of(value.begin(), value.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        }))
      return {};
    return std::string(value);
  }
  return {};
}

bool is_session_endpoint(std::string_view path) {
  if (!path.starts_with(users_prefix)) return false;
  const auto what = path.substr(users_prefix.size());
  return what == "signin" || what == "signout" || what == "me" || what == "me/password";
}

session_answer answer_session_endpoint(store& db, const console_settings& s, const session_request& r,
                                       std::int64_t now) {
  session_answer out;
  out.response = answer_errors(r.api, [&] {
    auto answered = route_session(db, s, r, now);
    out.signin = answered.signin;
    out.actor = std::move(answered.actor);
    return std::move(answered.response);
  });
  if (out.response.status == 401 && out.signin == signin_outcome::none) out.actor = {};
  return out;
}

caller session_caller(store& db, const console_settings& s, const std::string& cookie, std::int64_t now) {
  if (cookie.empty()) throw api_error(401, "unauthorized", "sign in first (no session)");
  auto& accounts = db.accounts();
  const auto hash = sha256_hex(cookie);
  const auto session = accounts.find_session(hash);
  if (!session && session.error() == store_errc::not_found)
    throw api_error(401, "unauthorized", "the session ended; sign in again");
  value_or_throw(session, "session");
  if (session->expires_at <= now || session->last_seen_at + s.idle_timeout_ms <= now) {
    (void)accounts.delete_session(hash);
    throw api_error(401, "unauthorized", "the session expired; sign in again");
  }
  const auto user = accounts.get_user(session->user_id);
  if (!user || user->state != "enabled") {
    if (user || user.error() == store_errc::not_found) throw api_error(401, "unauthorized", "the account is disabled");
    value_or_throw(user, "user");
  }
  (void)accounts.touch_session(hash, now);
  return user_caller(accounts, *user, session->csrf_token);
}

bool csrf_ok(const caller& who, std::string_view method, std::string_view csrf_header) {
  if (method == "GET" || method == "HEAD") return true;
  const auto& expected = who.csrf_token;
  return !expected.empty() && csrf_header.size() == expected.size() &&
         CRYPTO_memcmp(csrf_header.data(), expected.data(), expected.size()) == 0;
}

std::optional<std::string> create_root_account(store& db, const char* env_password, std::int64_t now) {
  const bool given = env_password && *env_password;
  const std::string password = given ? std::string(env_password) : random_base64url(18);
  if (given)
    if (const auto why = password_policy_violation(password))
      throw config_error("DF_MANAGER_ROOT_PASSWORD " + *why);
  user_record root;
  root.name = "root";
  root.roles = {std::string(super_admin_role)};
  root.password_hash = hash_password(password);
  const auto created = db.accounts().create_first_user(root, now);
  if (!created) throw config_error("cannot create the root account: " + created.error().message());
  if (!*created) return std::nullopt;
  spdlog::info("dfmanager: created the console account 'root' (super-admin)");
  if (given) return std::nullopt;
  return password;
}

}  // namespace df::manager
