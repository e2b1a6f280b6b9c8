// The SQLite side of sql_connection: one file, WAL journal, a busy timeout, foreign keys on.
#include "manager/sql_connection.hpp"

#include <sqlite3.h>

namespace df::manager {

namespace {

class sqlite_connection final : public sql_connection {
 public:
  sqlite_connection(const std::string& path, int busy_timeout_ms) {
    const int rc = ::sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                     nullptr);
    if (rc != SQLITE_OK) {
      const std::string why = db_ ? ::sqlite3_errmsg(db_) : ::sqlite3_errstr(rc);
      ::sqlite3_close(db_);
      throw sql_error(store_errc::unavailable, "cannot open " + path + ": " + why);
    }
    ::sqlite3_busy_timeout(db_, busy_timeout_ms);
    ::sqlite3_extended_result_codes(db_, 1);
    execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  }
  ~sqlite_connection() override { ::sqlite3_close(db_); }

  sql_dialect dialect() const override { return sql_dialect::sqlite; }

  std::vector<sql_row> query(std::string_view sql, const std::vector<sql_param>& params) override {
    sqlite3_stmt* stmt = nullptr;
    check(::sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr));
    const struct finalize {
      sqlite3_stmt* s;
      ~finalize() { ::sqlite3_finalize(s); }
    } guard{stmt};
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int index = ::sqlite3_bind_parameter_index(stmt, name.c_str());
      if (index == 0) continue;  // not used by this statement
      if (const auto* n = std::get_if<std::int64_t>(&params[i])) check(::sqlite3_bind_int64(stmt, index, *n));
      else {
        const auto& s = std::get<std::string>(params[i]);
        check(::sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT));
      }
    }
    std::vector<sql_row> rows;
    for (;;) {
      const int rc = ::sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) check(rc);
      sql_row row;
      const int columns = ::sqlite3_column_count(stmt);
      for (int c = 0; c < columns; ++c) {
        const auto* text = reinterpret_cast<const char*>(::sqlite3_column_text(stmt, c));
        row.emplace_back(text ? std::string(text, static_cast<std::size_t>(::sqlite3_column_bytes(stmt, c))) : "");
      }
      rows.push_back(std::move(row));
    }
  }

  void execute_script(std::string_view sql) override {
    const std::string text(sql);
    char* message = nullptr;
    const int rc = ::sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      const std::string why = message ? message : ::sqlite3_errstr(rc);
      ::sqlite3_free(message);
      throw sql_error(code_of(rc), why);
    }
  }

  void begin() override { execute_script("BEGIN IMMEDIATE"); }
  void commit() override { execute_script("COMMIT"); }
  void rollback() noexcept override { ::sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
  // One SQLite file has one writer at a time: BEGIN IMMEDIATE in each migration is the lock.
  void lock_migrations() override {}
  void unlock_migrations() noexcept override {}

 private:
  static store_errc code_of(int rc) {
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return store_errc::conflict;
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return store_errc::not_found;
    return store_errc::unavailable;
  }
  void check(int rc) const {
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) throw sql_error(code_of(rc), ::sqlite3_errmsg(db_));
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<sql_connection> open_sqlite(const std::string& path, int busy_timeout_ms) {
  return std::make_unique<sqlite_connection>(path, busy_timeout_ms);
}

}  // namespace df::manager
