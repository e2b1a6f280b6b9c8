// The enrollment tables (migration 6) over an SQL connection, the same for SQLite and PostgreSQL.
#include "manager/enrollment_store.hpp"

#include "manager/sql_guarded.hpp"

namespace df::manager {

namespace {

constexpr const char* enrollment_token_columns =
    "id, name, role, scheduler_cluster_id, expires_at, max_uses, uses, created_at, token_hash FROM enrollment_tokens";

enrollment_token enrollment_token_from(const sql_row& r) {
  return {sql_int(r[0]), r[1], r[2], sql_int(r[3]), sql_int(r[4]), sql_int(r[5]), sql_int(r[6]), sql_int(r[7]), r[8]};
}

// A token is usable while it has not expired and has uses left.
constexpr const char* usable = "expires_at > $2 AND (max_uses = 0 OR uses < max_uses)";

class sql_enrollment_store final : public enrollment_store {
 public:
  explicit sql_enrollment_store(sql_connection& db) : db_(db) {}

  result<enrollment_token> create_enrollment_token(const enrollment_token& t, std::int64_t now) override {
    return sql_guarded([&]() -> result<enrollment_token> {
      const auto rows = db_.query(
          "INSERT INTO enrollment_tokens (name, role, scheduler_cluster_id, expires_at, max_uses, created_at, "
          "token_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
          {t.name, t.role, t.scheduler_cluster_id, t.expires_at, t.max_uses, now, t.token_hash});
      return get_enrollment_token(sql_int(rows.at(0).at(0)));
    });
  }

  result<enrollment_token> get_enrollment_token(std::int64_t id) override {
    return sql_guarded([&]() -> result<enrollment_token> {
      const auto rows = db_.query(std::string("SELECT ") + enrollment_token_columns + " WHERE id = $1", {id});
      if (rows.empty()) return store_errc::not_found;
      return enrollment_token_from(rows[0]);
    });
  }

  result<page<enrollment_token>> list_enrollment_tokens(page_request p) override {
    return sql_guarded([&]() -> result<page<enrollment_token>> {
      page<enrollment_token> out;
      const std::int64_t per_page = p.per_page, offset = std::int64_t{p.per_page} * (std::int64_t{p.page} - 1);
      for (const auto& r :
           db_.query(std::string("SELECT ") + enrollment_token_columns + " ORDER BY id LIMIT $1 OFFSET $2", {per_page, offset}))
        out.items.push_back(enrollment_token_from(r));
      out.total = static_cast<std::uint64_t>(sql_int(db_.query("SELECT COUNT(*) FROM enrollment_tokens").at(0).at(0)));
      return out;
    });
  }

  result<void> delete_enrollment_token(std::int64_t id) override {
    return sql_guarded([&]() -> result<void> {
      if (db_.query("DELETE FROM enrollment_tokens WHERE id = $1 RETURNING id", {id}).empty())
        return store_errc::not_found;
      return {};
    });
  }

  result<enrollment_token> find_enrollment_token(const std::string& hash, std::int64_t now) override {
    return sql_guarded([&]() -> result<enrollment_token> {
      const auto rows =
          db_.query(std::string("SELECT ") + enrollment_token_columns + " WHERE token_hash = $1 AND " + usable, {hash, now});
      if (rows.empty()) return store_errc::not_found;
      return enrollment_token_from(rows[0]);
    });
  }

  result<void> redeem_enrollment_token(std::int64_t id, std::int64_t now, const issued_record& cert) override {
    return sql_in_transaction(db_, [&]() -> result<void> {
      // One statement: two replicas redeeming the last use at once cannot both succeed.
      if (db_.query(std::string("UPDATE enrollment_tokens SET uses = uses + 1 WHERE id = $1 AND ") + usable +
                        " RETURNING id",
                    {id, now})
              .empty())
        return store_errc::not_found;
      insert_issued(cert);
      return {};
    });
  }

  result<void> record_issued(const issued_record& cert) override {
    return sql_guarded([&]() -> result<void> {
      insert_issued(cert);
      return {};
    });
  }

  result<issued_record> get_issued(const std::string& serial) override {
    return sql_guarded([&]() -> result<issued_record> {
      const auto rows = db_.query(
          "SELECT serial, role, name, scheduler_cluster_id, not_after, issued_at FROM issued_certificates "
          "WHERE serial = $1",
          {serial});
      if (rows.empty()) return store_errc::not_found;
      const auto& r = rows[0];
      return issued_record{r[0], r[1], r[2], sql_int(r[3]), sql_int(r[4]), sql_int(r[5])};
    });
  }

  result<std::vector<std::string>> issued_to(const std::string& role, const std::string& name) override {
    return sql_guarded([&]() -> result<std::vector<std::string>> {
      std::vector<std::string> out;
      for (const auto& r : db_.query("SELECT serial FROM issued_certificates WHERE name = $1 AND ($2 = '' OR "
                                     "role = $2) ORDER BY issued_at LIMIT $3",
                                     {name, role, static_cast<std::int64_t>(max_issued_per_name)}))
        out.push_back(r[0]);
      return out;
    });
  }

  result<void> drop_expired_issued(std::int64_t now_s) override {
    return sql_guarded([&]() -> result<void> {
      db_.query("DELETE FROM issued_certificates WHERE not_after < $1", {now_s});
      return {};
    });
  }

  result<void> revoke(const std::vector<std::string>& serials, std::int64_t now_s) override {
    return sql_in_transaction(db_, [&]() -> result<void> {
      for (const auto& s : serials)
        db_.query("INSERT INTO revoked_certificates (serial, revoked_at) VALUES ($1, $2) ON CONFLICT (serial) "
                  "DO NOTHING",
                  {s, now_s});
      db_.query("UPDATE crl_state SET revision = revision + 1 WHERE id = 1");
      return {};
    });
  }

  result<std::int64_t> revocation_revision() override {
    return sql_guarded([&]() -> result<std::int64_t> {
      return sql_int(db_.query("SELECT revision FROM crl_state WHERE id = 1").at(0).at(0));
    });
  }

  result<std::vector<revoked_certificate>> revoked_certificates() override {
    return sql_guarded([&]() -> result<std::vector<revoked_certificate>> {
      std::vector<revoked_certificate> out;
      for (const auto& r : db_.query("SELECT serial, revoked_at FROM revoked_certificates ORDER BY revoked_at, "
                                     "serial LIMIT $1",
                                     {static_cast<std::int64_t>(max_revoked)}))
        out.push_back({r[0], sql_int(r[1])});
      return out;
    });
  }

  result<std::int64_t> next_crl_number(std::int64_t at_least) override {
    return sql_guarded([&]() -> result<std::int64_t> {
      return sql_int(db_.query("UPDATE crl_state SET crl_number = CASE WHEN crl_number + 1 > $1 THEN crl_number + 1 "
                              "ELSE $1 END WHERE id = 1 RETURNING crl_number",
                              {at_least})
                        .at(0)
                        .at(0));
    });
  }

 private:
  void insert_issued(const issued_record& c) {
    db_.query(
        "INSERT INTO issued_certificates (serial, role, name, scheduler_cluster_id, not_after, issued_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (serial) DO NOTHING",
        {c.serial, c.role, c.name, c.scheduler_cluster_id, c.not_after, c.issued_at});
  }

  sql_connection& db_;
};

}  // namespace

std::unique_ptr<enrollment_store> make_sql_enrollment_store(sql_connection& db) {
  return std::make_unique<sql_enrollment_store>(db);
}

}  // namespace df::manager
