#pragma once
// The manager's schema as numbered migrations, applied in order at start and recorded in
// schema_migrations. Written once for both dialects; placeholders (`{id}`, `{now_ms}`) stand for
// what they spell differently.

#include "manager/sql_connection.hpp"

#include <string_view>
#include <vector>

namespace df::manager {

/// One schema change; `version`s are consecutive from 1 and never edited once released.
struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration, oldest first.
const std::vector<migration>& migrations();

/// Applies the migrations the database lacks, each in its own transaction, under the dialect's
/// migration lock (PostgreSQL: an advisory lock, so replicas starting together do not race).
/// Idempotent; returns how many it applied. Throws sql_error.
int migrate(sql_connection& db);

}  // namespace df::manager
