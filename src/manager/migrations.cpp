#include "manager/migrations.hpp"

#include <chrono>
#include <string>
#include <utility>

namespace df::manager {

namespace {

constexpr std::string_view m0001_clusters = R"sql(
CREATE TABLE scheduler_clusters (
  id {id},
  name TEXT NOT NULL UNIQUE,
  bio TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL DEFAULT '{}',
  config TEXT NOT NULL DEFAULT '{}',
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE seed_peer_clusters (
  id {id},
  name TEXT NOT NULL UNIQUE,
  bio TEXT NOT NULL DEFAULT '',
  scheduler_cluster_id BIGINT NOT NULL UNIQUE REFERENCES scheduler_clusters(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
)sql";

constexpr std::string_view m0002_components = R"sql(
CREATE TABLE schedulers (
  id {id},
  hostname TEXT NOT NULL,
  ip TEXT NOT NULL,
  port INTEGER NOT NULL,
  idc TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  scheduler_cluster_id BIGINT NOT NULL REFERENCES scheduler_clusters(id) ON DELETE CASCADE,
  last_keepalive_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (hostname, ip, scheduler_cluster_id)
);
CREATE TABLE seed_peers (
  id {id},
  hostname TEXT NOT NULL,
  ip TEXT NOT NULL,
  port INTEGER NOT NULL,
  download_port INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL DEFAULT 'super',
  idc TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  seed_peer_cluster_id BIGINT NOT NULL REFERENCES seed_peer_clusters(id) ON DELETE CASCADE,
  last_keepalive_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (hostname, ip, seed_peer_cluster_id)
);
CREATE TABLE hosts (
  id {id},
  hostname TEXT NOT NULL,
  ip TEXT NOT NULL,
  idc TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  version TEXT NOT NULL DEFAULT '',
  cache_bytes BIGINT NOT NULL DEFAULT 0,
  upload_rate_limit BIGINT NOT NULL DEFAULT 0,
  scheduler_cluster_id BIGINT NOT NULL DEFAULT 0,
  last_seen_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (hostname, ip)
);
)sql";

// The default cluster every host falls back to, created once however many replicas start.
constexpr std::string_view m0003_default_cluster = R"sql(
INSERT INTO scheduler_clusters (name, bio, is_default, created_at, updated_at)
  VALUES ('cluster-1', 'the default cluster, created at first start', 1, {now_ms}, {now_ms});
INSERT INTO seed_peer_clusters (name, bio, scheduler_cluster_id, created_at, updated_at)
  SELECT 'cluster-1', 'paired with scheduler cluster cluster-1', id, created_at, created_at
  FROM scheduler_clusters WHERE name = 'cluster-1';
)sql";

// Two replicas making different clusters the default at once: the second gets a conflict rather
// than leaving two defaults.
constexpr std::string_view m0004_one_default = R"sql(
CREATE UNIQUE INDEX scheduler_clusters_one_default ON scheduler_clusters (is_default) WHERE is_default = 1;
)sql";

// Personal access tokens for the Open API, and jobs with their lease (docs/preheat.md).
constexpr std::string_view m0005_jobs = R"sql(
CREATE TABLE personal_access_tokens (
  id {id},
  name TEXT NOT NULL UNIQUE,
  bio TEXT NOT NULL DEFAULT '',
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL DEFAULT 'active',
  expired_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE jobs (
  id {id},
  type TEXT NOT NULL,
  bio TEXT NOT NULL DEFAULT '',
  args TEXT NOT NULL DEFAULT '{}',
  scheduler_cluster_ids TEXT NOT NULL DEFAULT '[]',
  cron TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'PENDING',
  result TEXT NOT NULL DEFAULT '{}',
  reason TEXT NOT NULL DEFAULT '',
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_run_at BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL DEFAULT 0,
  finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_claimable ON jobs (state, next_run_at);
)sql";

// Enrollment (docs/manager.md, "Enrollment", "Revocation"): bootstrap tokens made through the API
// (their SHA-256 only), the certificates signed on enrollment with the cluster each is bound to,
// the revoked ones, and the one row every replica's CRL follows (revision, last CRL number).
constexpr std::string_view m0006_enrollment = R"sql(
CREATE TABLE enrollment_tokens (
  id {id},
  name TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  scheduler_cluster_id BIGINT NOT NULL REFERENCES scheduler_clusters(id) ON DELETE CASCADE,
  expires_at BIGINT NOT NULL,
  max_uses BIGINT NOT NULL DEFAULT 0,
  uses BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE issued_certificates (
  serial TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  name TEXT NOT NULL,
  scheduler_cluster_id BIGINT NOT NULL DEFAULT 0,
  not_after BIGINT NOT NULL,
  issued_at BIGINT NOT NULL
);
CREATE INDEX issued_certificates_name ON issued_certificates (name);
CREATE TABLE revoked_certificates (
  serial TEXT PRIMARY KEY,
  revoked_at BIGINT NOT NULL
);
CREATE TABLE crl_state (
  id INTEGER PRIMARY KEY,
  revision BIGINT NOT NULL,
  crl_number BIGINT NOT NULL
);
INSERT INTO crl_state (id, revision, crl_number) VALUES (1, 0, 0);
)sql";

// The console's accounts (docs/console.md): users, custom roles, sessions (by the cookie's hash),
// sign-in failures (the lockout, shared by replicas), the audit log, and who owns each personal
// access token (0: made with the admin token).
constexpr std::string_view m0007_accounts = R"sql(
CREATE TABLE users (
  id {id},
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'enabled',
  roles TEXT NOT NULL DEFAULT '[]',
  scheduler_cluster_ids TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_signin_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE roles (
  name TEXT PRIMARY KEY,
  permissions TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE signin_failures (
  id {id},
  failure_key TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (failure_key, at);
CREATE TABLE audits (
  id {id},
  time_ms BIGINT NOT NULL,
  actor_type TEXT NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  resource TEXT NOT NULL DEFAULT '',
  resource_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audits_time ON audits (time_ms);
ALTER TABLE personal_access_tokens ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
)sql";

// Download analytics (docs/manager.md, "Analytics"): one row per finished peer download that a
// scheduler reported, kept for analytics.retention (and at most analytics.max_rows rows).
constexpr std::string_view m0008_downloads = R"sql(
CREATE TABLE downloads (
  id {id},
  finished_at BIGINT NOT NULL,
  scheduler_cluster_id BIGINT NOT NULL,
  host_id TEXT NOT NULL DEFAULT '',
  hostname TEXT NOT NULL DEFAULT '',
  task_id TEXT NOT NULL DEFAULT '',
  duration_ms BIGINT NOT NULL DEFAULT 0,
  content_bytes BIGINT NOT NULL DEFAULT 0,
  bytes_from_peers BIGINT NOT NULL DEFAULT 0,
  bytes_from_origin BIGINT NOT NULL DEFAULT 0,
  success INTEGER NOT NULL DEFAULT 0,
  error_class TEXT NOT NULL DEFAULT ''
);
CREATE INDEX downloads_finished ON downloads (finished_at);
CREATE INDEX downloads_cluster_finished ON downloads (scheduler_cluster_id, finished_at);
CREATE INDEX jobs_finished ON jobs (finished_at);
)sql";

// The migration's text with the placeholders for what the dialects spell differently: `{id}`
// (an auto-numbered primary key) and `{now_ms}` (the time, in milliseconds since the epoch).
std::string for_dialect(std::string_view sql, sql_dialect d) {
  const bool lite = d == sql_dialect::sqlite;
  const std::pair<std::string, std::string> spelled[] = {
      {"{id}", lite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
      {"{now_ms}", lite ? "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
                        : "CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)"},
  };
  std::string out(sql);
  for (const auto& [placeholder, text] : spelled)
    for (auto at = out.find(placeholder); at != std::string::npos; at = out.find(placeholder, at + text.size()))
      out.replace(at, placeholder.size(), text);
  return out;
}

}  // namespace

const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
      {1, "clusters", m0001_clusters},
      {2, "components", m0002_components},
      {3, "default_cluster", m0003_default_cluster},
      {4, "one_default", m0004_one_default},
      {5, "jobs", m0005_jobs},
      {6, "enrollment", m0006_enrollment},
      {7, "accounts", m0007_accounts},
      {8, "downloads", m0008_downloads},
  };
  return all;
}

int migrate(sql_connection& db) {
  db.lock_migrations();
  const struct unlock {
    sql_connection& db;
    ~unlock() { db.unlock_migrations(); }
  } unlocked{db};
  db.execute_script(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)");
  int applied = 0;
  for (const auto& m : migrations()) {
    db.begin();
    try {
      // Read inside the transaction: another SQLite writer may have applied it meanwhile.
      if (db.query("SELECT 1 FROM schema_migrations WHERE version = $1", {std::int64_t{m.version}}).empty()) {
        db.execute_script(for_dialect(m.sql, db.dialect()));
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                 {std::int64_t{m.version}, std::string(m.name), std::int64_t{now}});
        ++applied;
      }
      db.commit();
    } catch (...) {
      db.rollback();
      throw;
    }
  }
  return applied;
}

}  // namespace df::manager
