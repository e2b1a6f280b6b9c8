#include "manager/account_codec.hpp"

#include "manager/job_codec.hpp"
#include "manager/json_reader.hpp"
#include "manager/password.hpp"

#include <algorithm>

namespace df::manager {

namespace {

using nlohmann::json;

constexpr std::size_t max_email_size = 254;

void check_roles(const std::vector<std::string>& roles) {
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (!valid_account_name(roles[i])) throw invalid_value("roles[" + std::to_string(i) + "]", "not a role name");
}

void check_email(const std::string& email) {
  if (email.size() > max_email_size) throw invalid_value("email", "at most 254 characters");
  if (!email.empty() && (email.find('@') == std::string::npos || email.find_first_of(" \t\r\n") != std::string::npos))
    throw invalid_value("email", "not an e-mail address");
}

std::string read_password(json_reader& r, const char* key) {
  std::string p;
  // Read as raw JSON: a password may be longer than other string fields, up to max_password_size.
  const auto* v = r.object(key);
  if (!v) throw invalid_value(key, "required");
  if (!v->is_string()) throw api_error(400, "wrong_type", std::string(key) + ": must be a string");
  p = v->get<std::string>();
  if (const auto why = password_policy_violation(p)) throw invalid_value(key, *why);
  return p;
}

}  // namespace

bool valid_account_name(std::string_view name) {
  return !name.empty() && name.size() <= max_name_size && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

user_record decode_new_user(const json& body, std::string& password) {
  json_reader r(body, "");
  user_record u;
  r.read("name", u.name);
  r.read("email", u.email);
  r.read("roles", u.roles);
  u.scheduler_cluster_ids = read_cluster_ids(r.object("scheduler_cluster_ids"));
  password = read_password(r, "password");
  r.finish();
  if (!valid_account_name(u.name)) throw invalid_value("name", "required, 1 to 64 of A-Za-z0-9-_.");
  check_email(u.email);
  check_roles(u.roles);
  return u;
}

void apply_user_patch(const json& body, user_record& u) {
  json_reader r(body, "");
  r.read("email", u.email);
  r.read("state", u.state);
  r.read("roles", u.roles);
  if (const auto* ids = r.object("scheduler_cluster_ids")) u.scheduler_cluster_ids = read_cluster_ids(ids);
  r.finish();
  check_email(u.email);
  check_roles(u.roles);
  if (u.state != "enabled" && u.state != "disabled") throw invalid_value("state", "must be enabled or disabled");
}

std::string read_new_password(const json& body, std::string* old_password) {
  json_reader r(body, "");
  if (old_password) {
    const auto* v = r.object("old_password");
    if (!v || !v->is_string()) throw invalid_value("old_password", "required, a string");
    *old_password = v->get<std::string>();
    if (old_password->size() > max_password_size) throw invalid_value("old_password", "too long");
  }
  auto p = read_password(r, "new_password");
  r.finish();
  return p;
}

role_record decode_role(const json& body, bool with_name) {
  json_reader r(body, "");
  role_record role;
  if (with_name) r.read("name", role.name);
  if (!r.read("permissions", role.permissions)) throw invalid_value("permissions", "required");
  r.finish();
  if (with_name && !valid_account_name(role.name)) throw invalid_value("name", "required, 1 to 64 of A-Za-z0-9-_.");
  std::string unknown;
  if (!permissions_from(role.permissions, &unknown))
    throw invalid_value("permissions", "unknown permission '" + unknown + "'");
  std::sort(role.permissions.begin(), role.permissions.end());
  role.permissions.erase(std::unique(role.permissions.begin(), role.permissions.end()), role.permissions.end());
  return role;
}

json to_json(const user_record& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"email", u.email},
          {"state", u.state},
          {"roles", u.roles},
          {"scheduler_cluster_ids", u.scheduler_cluster_ids},
          {"created_at", u.created_at},
          {"updated_at", u.updated_at},
          {"last_signin_at", u.last_signin_at}};
}

json to_json(const role_definition& r) {
  return {{"name", r.name}, {"builtin", r.builtin}, {"permissions", permission_names(r.permissions)}};
}

json to_json(const audit_record& a) {
  return {{"id", a.id},         {"time", a.time},   {"actor_type", a.actor_type}, {"actor", a.actor},
          {"ip", a.ip},         {"method", a.method}, {"path", a.path},           {"status", a.status},
          {"resource", a.resource}, {"resource_id", a.resource_id}};
}

}  // namespace df::manager
