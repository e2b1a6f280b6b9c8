#pragma once
// The console's permissions and built-in roles (docs/console.md, "Roles and permissions"): names,
// sets, and what a user's roles grant. Pure; table-tested in tests/unit/manager/permissions_test.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// One thing a user may do; every /api/v1 endpoint needs one (access_policy.cpp says which).
enum class permission : std::uint8_t {
  cluster_read,       // clusters, schedulers, seed peers, hosts: read
  cluster_write,      // … create, change, delete
  job_read,           // jobs: read
  job_write,          // jobs (preheat, task search and delete): create, cancel, delete
  user_read,          // users and roles: read
  user_write,         // users and roles: create, change, delete
  audit_read,         // the audit log
  token_write,        // the user's own personal access tokens
  certificate_write,  // certificate revocation
};
inline constexpr std::size_t permission_count = 9;

/// A set of permissions (one bit each).
class permission_set {
 public:
  constexpr permission_set() = default;
  constexpr permission_set(std::initializer_list<permission> ps) {
    for (const auto p : ps) add(p);
  }
  static constexpr permission_set all() { return permission_set((1u << permission_count) - 1); }
  constexpr void add(permission p) { bits_ |= bit(p); }
  constexpr void add(permission_set s) { bits_ |= s.bits_; }
  constexpr bool has(permission p) const { return (bits_ & bit(p)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const permission_set&) const = default;

 private:
  constexpr explicit permission_set(std::uint32_t b) : bits_(b) {}
  static constexpr std::uint32_t bit(permission p) { return 1u << static_cast<unsigned>(p); }
  std::uint32_t bits_ = 0;
};

/// "cluster:read" … ; permission_from is its inverse (nullopt for an unknown name).
std::string_view to_string(permission p);
std::optional<permission> permission_from(std::string_view name);
/// Every permission's name, in enum order.
std::vector<std::string> permission_names(permission_set s = permission_set::all());
/// The set named by `names`; nullopt names the first unknown one through `unknown`.
std::optional<permission_set> permissions_from(const std::vector<std::string>& names, std::string* unknown = nullptr);

/// A role: built-in (read-only, defined here) or custom (stored).
struct role_definition {
  std::string name;
  bool builtin = false;
  permission_set permissions;
};

inline constexpr std::string_view super_admin_role = "super-admin";
inline constexpr std::string_view cluster_admin_role = "cluster-admin";

/// super-admin (all), cluster-admin (cluster:*, job:*, audit:read; writes limited to the user's
/// clusters), job-operator (cluster:read, job:*, token:write), guest (cluster:read, job:read).
const std::vector<role_definition>& builtin_roles();
/// The built-in role of that name, or null.
const role_definition* builtin_role(std::string_view name);

/// What a user's roles grant: `unscoped` everywhere, `scoped` only on the user's scheduler
/// clusters (what cluster-admin grants that no other role of the user does).
struct granted_permissions {
  permission_set unscoped;
  permission_set scoped;
  permission_set any() const {
    auto s = unscoped;
    s.add(scoped);
    return s;
  }
};

/// The permissions of a user with `roles`; `custom` are the stored roles (unknown names grant nothing).
granted_permissions grant(const std::vector<std::string>& roles, const std::vector<role_definition>& custom);

}  // namespace df::manager
