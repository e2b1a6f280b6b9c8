#pragma once
// The analytics half of the SQL store (the `downloads` table), over the connection the SQL store
// owns; the same text for SQLite and PostgreSQL.

#include "manager/analytics_store.hpp"
#include "manager/sql_connection.hpp"

#include <memory>

namespace df::manager {

/// Queries the analytics rows on `db`, which must outlive it (the SQL store holds both).
std::unique_ptr<analytics_store> make_sql_analytics_store(sql_connection& db);

}  // namespace df::manager
