#include "manager/sql_account_store.hpp"

#include "manager/sql_guarded.hpp"

#include <nlohmann/json.hpp>

namespace df::manager {

namespace {

using nlohmann::json;

constexpr const char* user_columns =
    "id, name, email, password_hash, state, roles, scheduler_cluster_ids, created_at, updated_at, last_signin_at "
    "FROM users";

user_record user_from(const sql_row& r) {
  user_record u;
  u.id = sql_int(r[0]);
  u.name = r[1];
  u.email = r[2];
  u.password_hash = r[3];
  u.state = r[4];
  u.roles = json::parse(r[5]).get<std::vector<std::string>>();
  u.scheduler_cluster_ids = json::parse(r[6]).get<std::vector<std::int64_t>>();
  u.created_at = sql_int(r[7]);
  u.updated_at = sql_int(r[8]);
  u.last_signin_at = sql_int(r[9]);
  return u;
}

constexpr const char* role_columns = "name, permissions, created_at, updated_at FROM roles";

role_record role_from(const sql_row& r) {
  return {r[0], json::parse(r[1]).get<std::vector<std::string>>(), sql_int(r[2]), sql_int(r[3])};
}

constexpr const char* session_columns =
    "id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at FROM sessions";

session_record session_from(const sql_row& r) {
  return {r[0], sql_int(r[1]), r[2], sql_int(r[3]), sql_int(r[4]), sql_int(r[5])};
}

constexpr const char* audit_columns =
    "id, time_ms, actor_type, actor, ip, method, path, status, resource, resource_id FROM audits";

audit_record audit_from(const sql_row& r) {
  return {sql_int(r[0]), sql_int(r[1]), r[2], r[3], r[4], r[5], r[6], static_cast<int>(sql_int(r[7])), r[8], r[9]};
}

// The WHERE clause of an audit filter, its parameters numbered from `first`.
std::string audit_where(const audit_filter& f, std::vector<sql_param>& params) {
  std::string where = " WHERE 1 = 1";
  const auto add = [&](const std::string& clause, sql_param v) {
    params.push_back(std::move(v));
    where += " AND " + clause + " $" + std::to_string(params.size());
  };
  if (!f.actor.empty()) add("actor =", f.actor);
  if (!f.actor_type.empty()) add("actor_type =", f.actor_type);
  if (!f.method.empty()) add("method =", f.method);
  if (!f.path.empty()) add("substr(path, 1, length(CAST($" + std::to_string(params.size() + 1) + " AS TEXT))) =", f.path);
  if (f.status != 0) add("status =", std::int64_t{f.status});
  if (f.since != 0) add("time_ms >=", f.since);
  if (f.until != 0) add("time_ms <=", f.until);
  return where;
}

// The LIKE pattern finding `role` in a users.roles JSON array: role names are plain
// (A-Za-z0-9-_.), so the quoted name is exact once `_` (LIKE's one-character wildcard) is escaped.
std::string holding(const std::string& role) {
  std::string p = "%\"";
  for (const char c : role) {
    if (c == '_' || c == '%' || c == '\\') p += '\\';
    p += c;
  }
  return p + "\"%";
}

class sql_account_store final : public account_store {
 public:
  explicit sql_account_store(sql_connection& db) : db_(db) {}

  result<user_record> create_user(const user_record& u, std::int64_t now) override {
    return sql_guarded([&]() -> result<user_record> {
      const auto rows = db_.query(
          "INSERT INTO users (name, email, password_hash, state, roles, scheduler_cluster_ids, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
          {u.name, u.email, u.password_hash, u.state, json(u.roles).dump(), json(u.scheduler_cluster_ids).dump(), now});
      return read_user(sql_int(rows.at(0).at(0)));
    });
  }

  result<std::optional<user_record>> create_first_user(const user_record& u, std::int64_t now) override {
    return sql_guarded([&]() -> result<std::optional<user_record>> {
      // One statement: replicas starting together cannot both see "no users" and both insert
      // (and the name is unique besides).
      const auto rows = db_.query(
          "INSERT INTO users (name, email, password_hash, state, roles, scheduler_cluster_ids, created_at, "
          "updated_at) SELECT $1, $2, $3, $4, $5, $6, CAST($7 AS BIGINT), CAST($7 AS BIGINT) "
          "WHERE NOT EXISTS (SELECT 1 FROM users) "
          "ON CONFLICT (name) DO NOTHING RETURNING id",
          {u.name, u.email, u.password_hash, u.state, json(u.roles).dump(), json(u.scheduler_cluster_ids).dump(), now});
      if (rows.empty()) return std::optional<user_record>();
      return std::optional<user_record>(read_user(sql_int(rows[0].at(0))));
    });
  }

  result<user_record> get_user(std::int64_t id) override {
    return sql_guarded([&]() -> result<user_record> { return read_user(id); });
  }

  result<user_record> find_user(const std::string& name) override {
    return sql_guarded([&]() -> result<user_record> {
      const auto rows = db_.query(std::string("SELECT ") + user_columns + " WHERE name = $1", {name});
      if (rows.empty()) return store_errc::not_found;
      return user_from(rows[0]);
    });
  }

  result<page<user_record>> list_users(page_request p, const std::string& name) override {
    return sql_guarded([&]() -> result<page<user_record>> {
      // instr() is SQLite's, strpos() PostgreSQL's: the one place the dialects differ here.
      const auto where = [&](int param) {
        if (name.empty()) return std::string();
        const auto n = std::to_string(param);
        return db_.dialect() == sql_dialect::sqlite ? " WHERE instr(name, $" + n + ") > 0"
                                                    : " WHERE strpos(name, $" + n + ") > 0";
      };
      std::vector<sql_param> params{std::int64_t{p.per_page}, std::int64_t{p.per_page} * (std::int64_t{p.page} - 1)};
      std::vector<sql_param> count_params;
      if (!name.empty()) {
        params.emplace_back(name);
        count_params.emplace_back(name);
      }
      page<user_record> out;
      for (const auto& r :
           db_.query(std::string("SELECT ") + user_columns + where(3) + " ORDER BY id LIMIT $1 OFFSET $2", params))
        out.items.push_back(user_from(r));
      out.total = static_cast<std::uint64_t>(
          sql_int(db_.query("SELECT COUNT(*) FROM users" + where(1), count_params).at(0).at(0)));
      return out;
    });
  }

  result<user_record> update_user(const user_record& u, std::int64_t now) override {
    return sql_guarded([&]() -> result<user_record> {
      if (db_.query("UPDATE users SET email = $1, state = $2, roles = $3, scheduler_cluster_ids = $4, "
                    "updated_at = $5 WHERE id = $6 RETURNING id",
                    {u.email, u.state, json(u.roles).dump(), json(u.scheduler_cluster_ids).dump(), now, u.id})
              .empty())
        return store_errc::not_found;
      return read_user(u.id);
    });
  }

  result<void> set_password(std::int64_t user_id, const std::string& password_hash, std::int64_t now) override {
    return update_one("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING id",
                      {password_hash, now, user_id});
  }

  result<void> record_signin(std::int64_t user_id, std::int64_t now) override {
    return update_one("UPDATE users SET last_signin_at = $1 WHERE id = $2 RETURNING id", {now, user_id});
  }

  result<void> delete_user(std::int64_t id) override {
    return update_one("DELETE FROM users WHERE id = $1 RETURNING id", {id});
  }

  result<std::uint64_t> count_enabled_with_role(const std::string& role) override {
    return sql_guarded([&]() -> result<std::uint64_t> {
      return static_cast<std::uint64_t>(sql_int(
          db_.query("SELECT COUNT(*) FROM users WHERE state = 'enabled' AND roles LIKE $1 ESCAPE '\\'",
                    {holding(role)})
              .at(0)
              .at(0)));
    });
  }

  result<role_record> create_role(const role_record& r, std::int64_t now) override {
    return sql_guarded([&]() -> result<role_record> {
      db_.query("INSERT INTO roles (name, permissions, created_at, updated_at) VALUES ($1, $2, $3, $3)",
                {r.name, json(r.permissions).dump(), now});
      return read_role(r.name);
    });
  }

  result<std::vector<role_record>> all_roles() override {
    return sql_guarded([&]() -> result<std::vector<role_record>> {
      std::vector<role_record> out;
      for (const auto& r : db_.query(std::string("SELECT ") + role_columns + " ORDER BY name LIMIT 1000"))
        out.push_back(role_from(r));
      return out;
    });
  }

  result<role_record> update_role(const role_record& r, std::int64_t now) override {
    return sql_guarded([&]() -> result<role_record> {
      if (db_.query("UPDATE roles SET permissions = $1, updated_at = $2 WHERE name = $3 RETURNING name",
                    {json(r.permissions).dump(), now, r.name})
              .empty())
        return store_errc::not_found;
      return read_role(r.name);
    });
  }

  result<void> delete_role(const std::string& name) override {
    return sql_in_transaction(db_, [&]() -> result<void> {
      if (!db_.query("SELECT id FROM users WHERE roles LIKE $1 ESCAPE '\\' LIMIT 1", {holding(name)}).empty())
        return store_errc::conflict;
      if (db_.query("DELETE FROM roles WHERE name = $1 RETURNING name", {name}).empty()) return store_errc::not_found;
      return {};
    });
  }

  result<void> create_session(const session_record& s) override {
    return sql_guarded([&]() -> result<void> {
      db_.query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                {s.id_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at});
      return {};
    });
  }

  result<session_record> find_session(const std::string& id_hash) override {
    return sql_guarded([&]() -> result<session_record> {
      const auto rows = db_.query(std::string("SELECT ") + session_columns + " WHERE id_hash = $1", {id_hash});
      if (rows.empty()) return store_errc::not_found;
      return session_from(rows[0]);
    });
  }

  result<void> touch_session(const std::string& id_hash, std::int64_t now) override {
    return run("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $3",
               {now, id_hash, now - 60000});
  }

  result<void> delete_session(const std::string& id_hash) override {
    return run("DELETE FROM sessions WHERE id_hash = $1", {id_hash});
  }

  result<void> delete_sessions_of(std::int64_t user_id, const std::string& keep_hash) override {
    return run("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", {user_id, keep_hash});
  }

  result<void> prune_sessions(std::int64_t now, std::int64_t idle_ms) override {
    return run("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2", {now, now - idle_ms});
  }

  result<void> record_signin_failure(const std::string& key, std::int64_t now) override {
    return run("INSERT INTO signin_failures (failure_key, at) VALUES ($1, $2)", {key, now});
  }

  result<failures> signin_failures(const std::string& key, std::int64_t since) override {
    return sql_guarded([&]() -> result<failures> {
      const auto rows =
          db_.query("SELECT COUNT(*), MIN(at) FROM signin_failures WHERE failure_key = $1 AND at >= $2", {key, since});
      return failures{static_cast<std::uint64_t>(sql_int(rows.at(0).at(0))), sql_int(rows.at(0).at(1))};
    });
  }

  result<void> clear_signin_failures(const std::string& key, std::int64_t before) override {
    return run("DELETE FROM signin_failures WHERE at < $1 OR failure_key = $2", {before, key});
  }

  result<void> append_audit(const audit_record& a) override {
    return run("INSERT INTO audits (time_ms, actor_type, actor, ip, method, path, status, resource, resource_id) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
               {a.time, a.actor_type, a.actor, a.ip, a.method, a.path, std::int64_t{a.status}, a.resource,
                a.resource_id});
  }

  result<page<audit_record>> list_audits(const audit_filter& f, page_request p) override {
    return sql_guarded([&]() -> result<page<audit_record>> {
      std::vector<sql_param> params;
      const auto where = audit_where(f, params);
      page<audit_record> out;
      out.total = static_cast<std::uint64_t>(sql_int(db_.query("SELECT COUNT(*) FROM audits" + where, params).at(0).at(0)));
      const auto n = params.size();
      params.emplace_back(std::int64_t{p.per_page});
      params.emplace_back(std::int64_t{p.per_page} * (std::int64_t{p.page} - 1));
      for (const auto& r : db_.query(std::string("SELECT ") + audit_columns + where + " ORDER BY id DESC LIMIT $" +
                                         std::to_string(n + 1) + " OFFSET $" + std::to_string(n + 2),
                                     params))
        out.items.push_back(audit_from(r));
      return out;
    });
  }

  result<std::uint64_t> prune_audits(std::int64_t before) override {
    return sql_guarded([&]() -> result<std::uint64_t> {
      return db_.query("DELETE FROM audits WHERE time_ms < $1 RETURNING id", {before}).size();
    });
  }

 private:
  user_record read_user(std::int64_t id) {
    const auto rows = db_.query(std::string("SELECT ") + user_columns + " WHERE id = $1", {id});
    if (rows.empty()) throw sql_error(store_errc::not_found, "no user " + std::to_string(id));
    return user_from(rows[0]);
  }

  role_record read_role(const std::string& name) {
    const auto rows = db_.query(std::string("SELECT ") + role_columns + " WHERE name = $1", {name});
    if (rows.empty()) throw sql_error(store_errc::not_found, "no role " + name);
    return role_from(rows[0]);
  }

  // A statement that must change one row (RETURNING it): not_found when none.
  result<void> update_one(const char* sql, const std::vector<sql_param>& params) {
    return sql_guarded([&]() -> result<void> {
      if (db_.query(sql, params).empty()) return store_errc::not_found;
      return {};
    });
  }

  result<void> run(const char* sql, const std::vector<sql_param>& params) {
    return sql_guarded([&]() -> result<void> {
      db_.query(sql, params);
      return {};
    });
  }

  sql_connection& db_;
};

}  // namespace

std::unique_ptr<account_store> make_sql_account_store(sql_connection& db) {
  return std::make_unique<sql_account_store>(db);
}

}  // namespace df::manager
