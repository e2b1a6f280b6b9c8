#pragma once
// The SQL store's column lists and row decoders, one per table (internal to src/manager).

#include "manager/model.hpp"
#include "manager/sql_connection.hpp"
#include "manager/store.hpp"

namespace df::manager {

inline constexpr const char* cluster_columns =
    "c.id, c.name, c.bio, c.scopes, c.config, c.is_default, s.id, c.created_at, c.updated_at "
    "FROM scheduler_clusters c JOIN seed_peer_clusters s ON s.scheduler_cluster_id = c.id";

/// Decodes one row of the SELECT above it.
scheduler_cluster cluster_from(const sql_row& r);

inline constexpr const char* seed_peer_cluster_columns =
    "id, name, bio, scheduler_cluster_id, created_at, updated_at FROM seed_peer_clusters";

/// Decodes one row of the SELECT above it.
seed_peer_cluster seed_peer_cluster_from(const sql_row& r);

inline constexpr const char* scheduler_columns =
    "id, hostname, ip, port, idc, location, scheduler_cluster_id, last_keepalive_at FROM schedulers";

/// Decodes one row of the SELECT above it.
scheduler_record scheduler_from(const sql_row& r);

inline constexpr const char* seed_peer_columns =
    "id, hostname, ip, port, download_port, type, idc, location, seed_peer_cluster_id, last_keepalive_at "
    "FROM seed_peers";

/// Decodes one row of the SELECT above it.
seed_peer_record seed_peer_from(const sql_row& r);

inline constexpr const char* host_columns =
    "id, hostname, ip, idc, location, version, cache_bytes, upload_rate_limit, scheduler_cluster_id, last_seen_at "
    "FROM hosts";

/// Decodes one row of the SELECT above it.
host_record host_from(const sql_row& r);

inline constexpr const char* token_columns =
    "id, name, bio, token_hash, scopes, state, expired_at, last_used_at, created_at, updated_at, user_id "
    "FROM personal_access_tokens";

/// Decodes one row of the SELECT above it.
personal_access_token token_from(const sql_row& r);

inline constexpr const char* job_columns =
    "id, type, bio, args, scheduler_cluster_ids, cron, state, result, reason, lease_owner, lease_expires_at, "
    "attempts, next_run_at, created_at, updated_at, started_at, finished_at FROM jobs";

inline constexpr const char* job_returning =
    " RETURNING id, type, bio, args, scheduler_cluster_ids, cron, state, result, reason, lease_owner, "
    "lease_expires_at, attempts, next_run_at, created_at, updated_at, started_at, finished_at";

/// Decodes one row of the SELECT above it.
job_record job_from(const sql_row& r);

}  // namespace df::manager
