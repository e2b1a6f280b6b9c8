#include "manager/permissions.hpp"

#include <algorithm>
#include <array>

namespace df::manager {

namespace {

constexpr std::array<std::string_view, permission_count> names{
    "cluster:read", "cluster:write", "job:read", "job:write", "user:read",
    "user:write",   "audit:read",    "token:write", "certificate:write"};

}  // namespace

std::string_view to_string(permission p) { return names.at(static_cast<std::size_t>(p)); }

std::optional<permission> permission_from(std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<permission>(it - names.begin());
}

std::vector<std::string> permission_names(permission_set s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < permission_count; ++i)
    if (s.has(static_cast<permission>(i))) out.emplace_back(names[i]);
  return out;
}

std::optional<permission_set> permissions_from(const std::vector<std::string>& list, std::string* unknown) {
  permission_set s;
  for (const auto& n : list) {
    const auto p = permission_from(n);
    if (!p) {
      if (unknown) *unknown = n;
      return std::nullopt;
    }
    s.add(*p);
  }
  return s;
}

const std::vector<role_definition>& builtin_roles() {
  using enum permission;
  static const std::vector<role_definition> roles = {
      {std::string(super_admin_role), true, permission_set::all()},
      {std::string(cluster_admin_role), true, {cluster_read, cluster_write, job_read, job_write, audit_read}},
      {"job-operator", true, {cluster_read, job_read, job_write, token_write}},
      {"guest", true, {cluster_read, job_read}},
  };
  return roles;
}

const role_definition* builtin_role(std::string_view name) {
  for (const auto& r : builtin_roles())
    if (r.name == name) return &r;
  return nullptr;
}

granted_permissions grant(const std::vector<std::string>& roles, const std::vector<role_definition>& custom) {
  granted_permissions g;
  permission_set scoped;
  for (const auto& name : roles) {
    const role_definition* r = builtin_role(name);
    for (const auto& c : custom)
      if (!r && c.name == name) r = &c;
    if (!r) continue;
    if (r->name == cluster_admin_role) scoped.add(r->permissions);
    else g.unscoped.add(r->permissions);
  }
  for (std::size_t i = 0; i < permission_count; ++i) {
    const auto p = static_cast<permission>(i);
    if (scoped.has(p) && !g.unscoped.has(p)) g.scoped.add(p);
  }
  return g;
}

}  // namespace df::manager
