#pragma once
// The store over an SQL connection: every query of the manager, written once for SQLite and
// PostgreSQL (they differ only inside sql_connection and the migrations' `{id}`).

#include "manager/sql_connection.hpp"
#include "manager/store.hpp"

#include <memory>

namespace df::manager {

/// Runs the migrations on `db` (throws sql_error when they fail), then serves the store's calls.
std::unique_ptr<store> make_sql_store(std::unique_ptr<sql_connection> db);

}  // namespace df::manager
