#pragma once
// The console's accounts to and from JSON (docs/console.md): strict validation of users and
// roles as clients send them, and answers without a password hash ever.

#include "manager/account_model.hpp"
#include "manager/permissions.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace df::manager {

/// Longest user name, and its alphabet (A-Za-z0-9-_.); role names follow the same rule.
inline constexpr std::size_t max_name_size = 64;
/// Whether `name` is 1–64 of A-Za-z0-9-_. (user and role names).
bool valid_account_name(std::string_view name);

/// A create-user body {"name", "email"?, "password", "roles"?, "scheduler_cluster_ids"?} → the
/// user (password_hash still empty) and the password through `password`; api_error naming the
/// field when wrong. Roles are checked to exist by the caller (they live in the store).
user_record decode_new_user(const nlohmann::json& body, std::string& password);
/// A PATCH body: any of email, state, roles, scheduler_cluster_ids.
void apply_user_patch(const nlohmann::json& body, user_record& u);
/// {"old_password", "new_password"} or {"new_password"}: the strings, bounded; api_error otherwise.
std::string read_new_password(const nlohmann::json& body, std::string* old_password);

/// A create- or patch-role body {"name"?, "permissions"} → the role.
role_record decode_role(const nlohmann::json& body, bool with_name);

nlohmann::json to_json(const user_record& u);
nlohmann::json to_json(const role_definition& r);
nlohmann::json to_json(const audit_record& a);

}  // namespace df::manager
