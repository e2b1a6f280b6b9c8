#pragma once
// The console's accounts as plain values (docs/console.md): users, custom roles, sessions and
// audit rows. Permissions and built-in roles are in permissions.hpp.

#include <cstdint>
#include <string>
#include <vector>

namespace df::manager {

/// A console user; password_hash is scrypt's stored form (password.hpp), never answered.
struct user_record {
  std::int64_t id = 0;
  std::string name;   // 1–64 of A-Za-z0-9-_. , unique
  std::string email;  // may be empty
  std::string password_hash;
  std::string state = "enabled";  // "enabled" or "disabled" (cannot sign in; sessions refused)
  std::vector<std::string> roles;                   // role names (built-in or custom)
  std::vector<std::int64_t> scheduler_cluster_ids;  // what cluster-admin is limited to
  std::int64_t created_at = 0;  // ms since the epoch
  std::int64_t updated_at = 0;
  std::int64_t last_signin_at = 0;  // 0 = never
};

/// A custom role as stored (built-in ones live in permissions.cpp).
struct role_record {
  std::string name;
  std::vector<std::string> permissions;  // permission names
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// A signed-in browser: the cookie's SHA-256 (the cookie itself is never stored), its owner, the
/// CSRF token its writes must carry, and when it ends.
struct session_record {
  std::string id_hash;  // lower-case hex SHA-256 of the cookie value
  std::int64_t user_id = 0;
  std::string csrf_token;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;    // created_at + console.session_ttl
  std::int64_t last_seen_at = 0;  // idle past console.idle_timeout ends it
};

/// One audited call (docs/console.md, "Audit"): who, from where, what, and the status answered.
/// Never a body or a secret.
struct audit_record {
  std::int64_t id = 0;
  std::int64_t time = 0;   // ms since the epoch
  std::string actor_type;  // user, admin_token, personal_access_token, anonymous
  std::string actor;       // user name, token id, or the name tried at a failed sign-in
  std::string ip;
  std::string method;
  std::string path;  // without the query
  int status = 0;
  std::string resource;     // "scheduler-clusters", "users", …
  std::string resource_id;  // "3", a role name, or ""
};

/// Which audit rows to list; empty / 0 fields do not filter.
struct audit_filter {
  std::string actor, actor_type, method;
  std::string path;  // a prefix
  int status = 0;
  std::int64_t since = 0, until = 0;  // ms, inclusive
};

}  // namespace df::manager
