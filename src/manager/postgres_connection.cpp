// The PostgreSQL side of sql_connection, over libpqxx: statements run in a transaction when one
// is open, else each on its own; the migration lock is a session advisory lock.
#include "manager/sql_connection.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <type_traits>

namespace df::manager {

namespace {

// pg_advisory_lock key held while migrations run ("dfmgr" in ASCII).
constexpr std::int64_t migration_lock_key = 0x64666d6772;

class postgres_connection final : public sql_connection {
 public:
  postgres_connection(std::string conninfo, int statement_timeout_ms)
      : conninfo_(std::move(conninfo)), statement_timeout_ms_(statement_timeout_ms) {
    connect();
  }

  sql_dialect dialect() const override { return sql_dialect::postgres; }

  std::vector<sql_row> query(std::string_view sql, const std::vector<sql_param>& params) override {
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const auto& p : params)
      texts.push_back(std::holds_alternative<std::int64_t>(p) ? std::to_string(std::get<std::int64_t>(p))
                                                               : std::get<std::string>(p));
    return run([&](pqxx::transaction_base& tx) {
      const auto r = tx.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(texts));
      std::vector<sql_row> rows;
      for (const auto& row : r) {
        sql_row out;
        for (const auto& field : row) out.emplace_back(field.is_null() ? "" : field.c_str());
        rows.push_back(std::move(out));
      }
      return rows;
    });
  }

  void execute_script(std::string_view sql) override {
    run([&](pqxx::transaction_base& tx) {
      tx.exec(std::string(sql));
      return 0;
    });
  }

  void begin() override {
    tx_.reset();
    try {
      if (!conn_) connect();
      try {
        tx_ = std::make_unique<pqxx::work>(*conn_);
      } catch (const pqxx::broken_connection&) {
        connect();
        tx_ = std::make_unique<pqxx::work>(*conn_);
      }
    } catch (const std::exception& e) {
      throw sql_error(store_errc::unavailable, e.what());
    }
  }
  void commit() override {
    auto tx = std::move(tx_);
    try {
      tx->commit();
    } catch (const pqxx::unique_violation& e) {
      throw sql_error(store_errc::conflict, e.what());
    } catch (const std::exception& e) {
      throw sql_error(store_errc::unavailable, e.what());
    }
  }
  void rollback() noexcept override { tx_.reset(); }  // pqxx aborts an uncommitted transaction

  void lock_migrations() override { query("SELECT pg_advisory_lock($1)", {migration_lock_key}); }
  void unlock_migrations() noexcept override {
    try {
      query("SELECT pg_advisory_unlock($1)", {migration_lock_key});
    } catch (const std::exception&) {
      // The session ends with the connection, and the lock with it.
    }
  }

 private:
  void connect() {
    try {
      conn_.emplace(conninfo_);
      pqxx::nontransaction tx(*conn_);
      tx.exec("SET statement_timeout = " + std::to_string(statement_timeout_ms_));
      tx.exec("SET client_min_messages = warning");
    } catch (const std::exception& e) {
      conn_.reset();
      // libpq's messages name the host and user, never the password.
      throw sql_error(store_errc::unavailable, std::string("cannot connect to PostgreSQL: ") + e.what());
    }
  }

  // Runs f in the open transaction, or on its own. A statement outside a transaction that finds
  // the connection gone (the server restarted, a failover) connects again and runs once more;
  // inside one, the error goes up and the store rolls back. (libpqxx 6.4 leaks the failed
  // PGresult, about 2 KiB, each time a connection breaks mid-statement: make_result asks the dead
  // connection for its encoding before taking ownership. LeakSanitizer reports it at exit.)
  template <class F>
  auto run(F&& f) -> std::invoke_result_t<F, pqxx::transaction_base&> {
    try {
      if (tx_) return f(*tx_);
      if (!conn_) connect();
      try {
        pqxx::nontransaction tx(*conn_);
        return f(tx);
      } catch (const pqxx::broken_connection&) {
        connect();
        pqxx::nontransaction tx(*conn_);
        return f(tx);
      }
    } catch (const sql_error&) {
      throw;
    } catch (const pqxx::unique_violation& e) {
      throw sql_error(store_errc::conflict, e.what());
    } catch (const pqxx::foreign_key_violation& e) {
      throw sql_error(store_errc::not_found, e.what());
    } catch (const std::exception& e) {
      throw sql_error(store_errc::unavailable, e.what());
    }
  }

  std::string conninfo_;  // holds the password: never logged
  int statement_timeout_ms_;
  std::optional<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
};

}  // namespace

std::unique_ptr<sql_connection> open_postgres(const std::string& conninfo, int statement_timeout_ms) {
  return std::make_unique<postgres_connection>(conninfo, statement_timeout_ms);
}

}  // namespace df::manager
