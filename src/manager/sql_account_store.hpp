#pragma once
// The accounts half of the SQL store (users, roles, sessions, sign-in failures, audit), over the
// connection the SQL store owns; the same text for SQLite and PostgreSQL.

#include "manager/account_store.hpp"
#include "manager/sql_connection.hpp"

#include <memory>

namespace df::manager {

/// Queries the accounts on `db`, which must outlive it (the SQL store holds both).
std::unique_ptr<account_store> make_sql_account_store(sql_connection& db);

}  // namespace df::manager
