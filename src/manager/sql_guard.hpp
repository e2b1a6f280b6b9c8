#pragma once
// How the SQL stores turn the connection's exceptions into store errors, and run a statement
// group as one transaction. Internal to src/manager.

#include "manager/sql_connection.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace df::manager {

/// Runs f, turning sql_error and a row that cannot be decoded into store errors (logged once here).
template <class F>
auto sql_guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sql_error& e) {
    if (e.code == store_errc::unavailable) spdlog::warn("manager store: {}", e.what());
    return e.code;
  } catch (const std::exception& e) {
    spdlog::error("manager store: a stored row cannot be read: {}", e.what());
    return store_errc::unavailable;
  }
}

/// Runs f in a transaction on `db`: committed when f returns a value, rolled back otherwise.
template <class F>
auto sql_transaction(sql_connection& db, F&& f) -> decltype(f()) {
  return sql_guarded([&]() -> decltype(f()) {
    db.begin();
    try {
      auto r = f();
      if (r) db.commit();
      else db.rollback();
      return r;
    } catch (...) {
      db.rollback();
      throw;
    }
  });
}

}  // namespace df::manager
