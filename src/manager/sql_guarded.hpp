#pragma once
// How the SQL stores run a query: the connection's and the decoders' exceptions become
// store errors (logged once here), and transactions roll back on any failure.

#include "manager/sql_connection.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

/// Runs f, turning sql_error into its store_errc and an unreadable row into `unavailable`.
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
auto sql_in_transaction(sql_connection& db, F&& f) -> decltype(f()) {
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

/// The integer in a text column ("" → 0).
inline std::int64_t sql_int(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }

}  // namespace df::manager
