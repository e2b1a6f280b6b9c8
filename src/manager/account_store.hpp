#pragma once
// Where the console's accounts live (users, custom roles, sessions, sign-in failures, audit):
// part of the manager's store (store::accounts()), same threading contract and backends.

#include "core/error.hpp"
#include "manager/account_model.hpp"
#include "manager/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace df::manager {

/// The accounts half of the store; errors are store_errc (not_found, conflict, unavailable).
class account_store {
 public:
  virtual ~account_store() = default;

  /// Creates a user (conflict when the name exists).
  virtual result<user_record> create_user(const user_record& u, std::int64_t now) = 0;
  /// Creates `u` only when no user exists at all (the root account at first start): the user,
  /// or none when there were users already (also when another replica made root just now).
  virtual result<std::optional<user_record>> create_first_user(const user_record& u, std::int64_t now) = 0;
  virtual result<user_record> get_user(std::int64_t id) = 0;
  virtual result<user_record> find_user(const std::string& name) = 0;
  /// By id; `name` filters by substring when not empty.
  virtual result<page<user_record>> list_users(page_request p, const std::string& name) = 0;
  /// Replaces email, state, roles and scheduler_cluster_ids of user u.id.
  virtual result<user_record> update_user(const user_record& u, std::int64_t now) = 0;
  virtual result<void> set_password(std::int64_t user_id, const std::string& password_hash, std::int64_t now) = 0;
  virtual result<void> record_signin(std::int64_t user_id, std::int64_t now) = 0;
  virtual result<void> delete_user(std::int64_t id) = 0;
  /// Enabled users holding `role` (for "the last super admin" rule).
  virtual result<std::uint64_t> count_enabled_with_role(const std::string& role) = 0;

  virtual result<role_record> create_role(const role_record& r, std::int64_t now) = 0;
  virtual result<std::vector<role_record>> all_roles() = 0;
  virtual result<role_record> update_role(const role_record& r, std::int64_t now) = 0;
  /// conflict when a user still holds it.
  virtual result<void> delete_role(const std::string& name) = 0;

  virtual result<void> create_session(const session_record& s) = 0;
  virtual result<session_record> find_session(const std::string& id_hash) = 0;
  /// Records activity (written at most once a minute per session, to spare the database).
  virtual result<void> touch_session(const std::string& id_hash, std::int64_t now) = 0;
  virtual result<void> delete_session(const std::string& id_hash) = 0;
  /// Ends every session of the user but `keep_hash` (empty: all of them).
  virtual result<void> delete_sessions_of(std::int64_t user_id, const std::string& keep_hash) = 0;
  /// Drops sessions that ended before `now`.
  virtual result<void> prune_sessions(std::int64_t now, std::int64_t idle_ms) = 0;

  /// Sign-in failures, by key ("name:root", "ip:10.0.0.1"), shared by every replica.
  virtual result<void> record_signin_failure(const std::string& key, std::int64_t now) = 0;
  /// The failures for `key` since `since`, and the oldest of them (0 when none).
  struct failures {
    std::uint64_t count = 0;
    std::int64_t oldest = 0;
  };
  virtual result<failures> signin_failures(const std::string& key, std::int64_t since) = 0;
  /// Drops failures older than `before`, and those of `key` (a successful sign-in) when not empty.
  virtual result<void> clear_signin_failures(const std::string& key, std::int64_t before) = 0;

  virtual result<void> append_audit(const audit_record& a) = 0;
  /// Newest first.
  virtual result<page<audit_record>> list_audits(const audit_filter& f, page_request p) = 0;
  /// Deletes rows older than `before`; how many.
  virtual result<std::uint64_t> prune_audits(std::int64_t before) = 0;
};

}  // namespace df::manager
