// /api/v1/users, /api/v1/roles and /api/v1/permissions: the console's accounts (docs/console.md).
// Signing in and out and the caller's own account (/users/me…) are answered by console_auth.cpp.
#include "manager/account_codec.hpp"
#include "manager/api_handlers.hpp"
#include "manager/password.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::manager {

namespace {

bool is_enabled_super_admin(const user_record& u) {
  return u.state == "enabled" && std::find(u.roles.begin(), u.roles.end(), super_admin_role) != u.roles.end();
}

// Every role of `roles` must exist (built-in or stored).
void check_roles_exist(account_store& db, const std::vector<std::string>& roles) {
  if (std::all_of(roles.begin(), roles.end(), [](const auto& n) { return builtin_role(n) != nullptr; })) return;
  const auto custom = value_or_throw(db.all_roles(), "roles");
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (!builtin_role(roles[i]) &&
        std::none_of(custom.begin(), custom.end(), [&](const role_record& r) { return r.name == roles[i]; }))
      throw invalid_value("roles[" + std::to_string(i) + "]", "no role named '" + roles[i] + "'");
}

// 409 when `before` is the last enabled super admin and `after` (null: deleted) no longer is one.
void keep_a_super_admin(account_store& db, const user_record& before, const user_record* after) {
  if (!is_enabled_super_admin(before) || (after && is_enabled_super_admin(*after))) return;
  if (value_or_throw(db.count_enabled_with_role(std::string(super_admin_role)), "users") <= 1)
    throw api_error(409, "conflict", "this is the last enabled super admin: make another one first");
}

api_response no_content() {
  api_response r;
  r.status = 204;
  return r;
}

api_response create_user(api_context& ctx, const api_request& req) {
  auto& db = ctx.db.accounts();
  std::string password;
  auto u = decode_new_user(parse_body(req.body), password);
  check_roles_exist(db, u.roles);
  u.password_hash = hash_password(password);
  const auto created = value_or_throw(db.create_user(u, ctx.now_ms()), "a user named '" + u.name + "'");
  spdlog::info("manager: created user {} '{}'", created.id, created.name);
  return json_response(201, to_json(created));
}

api_response update_user(api_context& ctx, const api_request& req, std::int64_t id) {
  auto& db = ctx.db.accounts();
  const auto before = value_or_throw(db.get_user(id), "user");
  auto after = before;
  apply_user_patch(parse_body(req.body), after);
  check_roles_exist(db, after.roles);
  keep_a_super_admin(db, before, &after);
  const auto updated = value_or_throw(db.update_user(after, ctx.now_ms()), "user");
  if (updated.state == "disabled") value_or_throw(db.delete_sessions_of(id, ""), "sessions");
  spdlog::info("manager: updated user {} (state {})", id, updated.state);
  return json_response(200, to_json(updated));
}

api_response delete_user(api_context& ctx, std::int64_t id) {
  auto& db = ctx.db.accounts();
  keep_a_super_admin(db, value_or_throw(db.get_user(id), "user"), nullptr);
  value_or_throw(db.delete_user(id), "user");
  spdlog::info("manager: deleted user {}", id);
  return json_response(200, {{"id", id}});
}

api_response reset_password(api_context& ctx, const api_request& req, std::int64_t id) {
  auto& db = ctx.db.accounts();
  const auto password = read_new_password(parse_body(req.body), nullptr);
  value_or_throw(db.set_password(id, hash_password(password), ctx.now_ms()), "user");
  value_or_throw(db.delete_sessions_of(id, ""), "sessions");
  spdlog::info("manager: reset the password of user {}", id);
  return no_content();
}

// The built-in roles, then the stored ones.
std::vector<role_definition> all_role_definitions(account_store& db) {
  auto out = builtin_roles();
  for (const auto& r : value_or_throw(db.all_roles(), "roles"))
    out.push_back({r.name, false, permissions_from(r.permissions).value_or(permission_set{})});
  return out;
}

}  // namespace

api_response handle_users(api_context& ctx, const routed_request& r) {
  const auto& m = r.raw.method;
  if (r.segments.size() == 1) {
    if (m == "GET")
      return list_response(ctx.db.accounts().list_users(parse_page(r.raw.query), query_value(r.raw.query, "name").value_or("")),
                           [](const user_record& u) { return to_json(u); });
    if (m == "POST") return create_user(ctx, r.raw);
    method_not_allowed("GET, POST");
  }
  const auto id = path_id(r.segments[1]);
  if (r.segments.size() == 3 && r.segments[2] == "reset_password") {
    if (m != "POST") method_not_allowed("POST");
    return reset_password(ctx, r.raw, id);
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  if (m == "GET") return json_response(200, to_json(value_or_throw(ctx.db.accounts().get_user(id), "user")));
  if (m == "PATCH") return update_user(ctx, r.raw, id);
  if (m == "DELETE") return delete_user(ctx, id);
  method_not_allowed("GET, PATCH, DELETE");
}

api_response handle_roles(api_context& ctx, const routed_request& r) {
  auto& db = ctx.db.accounts();
  const auto& m = r.raw.method;
  if (r.segments.size() == 1) {
    if (m == "GET") {
      json out = json::array();
      for (const auto& role : all_role_definitions(db)) out.push_back(to_json(role));
      return json_response(200, out);
    }
    if (m != "POST") method_not_allowed("GET, POST");
    const auto role = decode_role(parse_body(r.raw.body), true);
    if (builtin_role(role.name)) throw api_error(409, "conflict", "'" + role.name + "' is a built-in role");
    const auto created = value_or_throw(db.create_role(role, ctx.now_ms()), "a role named '" + role.name + "'");
    spdlog::info("manager: created role '{}'", created.name);
    return json_response(201, to_json(role_definition{created.name, false, *permissions_from(created.permissions)}));
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  const std::string name(r.segments[1]);
  if (m != "PATCH" && m != "DELETE") method_not_allowed("PATCH, DELETE");
  if (builtin_role(name)) throw api_error(403, "forbidden", "built-in roles are read-only");
  if (m == "DELETE") {
    const auto deleted = db.delete_role(name);
    if (!deleted && deleted.error() == store_errc::conflict)
      throw api_error(409, "conflict", "users still hold role '" + name + "'");
    value_or_throw(deleted, "role");
    spdlog::info("manager: deleted role '{}'", name);
    return json_response(200, {{"name", name}});
  }
  auto role = decode_role(parse_body(r.raw.body), false);
  role.name = name;
  const auto updated = value_or_throw(db.update_role(role, ctx.now_ms()), "role");
  spdlog::info("manager: updated role '{}'", name);
  return json_response(200, to_json(role_definition{updated.name, false, *permissions_from(updated.permissions)}));
}

api_response handle_permissions(api_context&, const routed_request& r) {
  if (r.segments.size() != 1) throw api_error(404, "not_found", "no such resource");
  if (r.raw.method != "GET") method_not_allowed("GET");
  return json_response(200, permission_names());
}

}  // namespace df::manager
