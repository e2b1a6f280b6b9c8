#pragma once
// One database connection as the SQL store needs it: parameterised statements returning rows of
// text, transactions, and the migration lock. SQLite and PostgreSQL implement it side by side.

#include "manager/store.hpp"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace df::manager {

/// The SQL spoken: where the two differ (identity columns, the migration lock), the store asks.
enum class sql_dialect { sqlite, postgres };

/// A statement parameter; placeholders are written $1, $2 … in both dialects.
using sql_param = std::variant<std::int64_t, std::string>;
/// One result row, every column as text (NULL as "").
using sql_row = std::vector<std::string>;

/// A failed statement; `code` says what the store reports (conflict for unique violations).
struct sql_error : std::runtime_error {
  sql_error(store_errc c, const std::string& what) : std::runtime_error(what), code(c) {}
  store_errc code;
};

/// One open connection; used by one thread at a time. Every method throws sql_error.
class sql_connection {
 public:
  virtual ~sql_connection() = default;
  virtual sql_dialect dialect() const = 0;
  /// Runs one statement with parameters; returns its rows (none for statements without any).
  virtual std::vector<sql_row> query(std::string_view sql, const std::vector<sql_param>& params = {}) = 0;
  /// Runs statements without parameters (a migration script; `;`-separated).
  virtual void execute_script(std::string_view sql) = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  /// Held while migrations run, so that replicas starting together apply each one once.
  virtual void lock_migrations() = 0;
  virtual void unlock_migrations() noexcept = 0;
};

/// Opens (creating) an SQLite file in WAL mode with a busy timeout and foreign keys on.
std::unique_ptr<sql_connection> open_sqlite(const std::string& path, int busy_timeout_ms);
/// Connects to PostgreSQL with a libpq connection string; statements time out after
/// `statement_timeout_ms`.
std::unique_ptr<sql_connection> open_postgres(const std::string& conninfo, int statement_timeout_ms);

}  // namespace df::manager
