#pragma once
// Where the manager keeps its model: one interface, two backends (SQLite embedded, PostgreSQL
// for several replicas), both running the same test suite (tests/unit/manager/store_test.cpp).
//
// Threading: a store is used by one thread at a time (the manager's database thread, see
// server.cpp); it blocks on its database. Replicas share nothing but the database, so every read
// is of the database, never of a cache.

#include "core/error.hpp"
#include "manager/account_store.hpp"
#include "manager/model.hpp"

#include <boost/system/error_code.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace df::manager {

class analytics_store;
class enrollment_store;

/// Every error a store returns; the comment is the message users see.
enum class store_errc {
  ok = 0,
  not_found,    // no row with that id
  conflict,     // a row with that name (or that host) exists already
  unavailable,  // the database cannot be reached or refused the statement
};

const boost::system::error_category& store_category() noexcept;
inline boost::system::error_code make_error_code(store_errc e) noexcept {
  return {static_cast<int>(e), store_category()};
}

/// The manager's persistent state; see the threading contract above.
class store {
 public:
  virtual ~store() = default;

  /// Creates the cluster and its seed-peer cluster (same name) in one transaction; setting
  /// is_default clears it on every other cluster.
  virtual result<scheduler_cluster> create_scheduler_cluster(const scheduler_cluster& c, std::int64_t now) = 0;
  virtual result<scheduler_cluster> get_scheduler_cluster(std::int64_t id) = 0;
  /// The default cluster (the first start creates one).
  virtual result<scheduler_cluster> default_scheduler_cluster() = 0;
  virtual result<page<scheduler_cluster>> list_scheduler_clusters(page_request p) = 0;
  /// Every cluster, for scope matching (clusters are few; at most max_clusters_matched).
  virtual result<std::vector<scheduler_cluster>> all_scheduler_clusters() = 0;
  /// Replaces name, bio, scopes, config and is_default of cluster c.id.
  virtual result<scheduler_cluster> update_scheduler_cluster(const scheduler_cluster& c, std::int64_t now) = 0;
  /// Deletes the cluster, its seed-peer cluster and their schedulers and seed peers.
  virtual result<void> delete_scheduler_cluster(std::int64_t id) = 0;

  virtual result<seed_peer_cluster> get_seed_peer_cluster(std::int64_t id) = 0;
  virtual result<page<seed_peer_cluster>> list_seed_peer_clusters(page_request p) = 0;

  /// Registers a scheduler (or refreshes it: one row per hostname, ip and cluster); last
  /// keepalive = now.
  virtual result<scheduler_record> register_scheduler(const scheduler_record& s, std::int64_t now) = 0;
  virtual result<void> keepalive_scheduler(std::int64_t id, std::int64_t now) = 0;
  virtual result<scheduler_record> get_scheduler(std::int64_t id) = 0;
  virtual result<page<scheduler_record>> list_schedulers(page_request p, const component_filter& f = {}) = 0;
  /// The schedulers of a cluster whose last keepalive is at or after `since`.
  virtual result<std::vector<scheduler_record>> schedulers_alive_since(std::int64_t cluster_id, std::int64_t since) = 0;

  virtual result<seed_peer_record> register_seed_peer(const seed_peer_record& s, std::int64_t now) = 0;
  virtual result<void> keepalive_seed_peer(std::int64_t id, std::int64_t now) = 0;
  virtual result<seed_peer_record> get_seed_peer(std::int64_t id) = 0;
  virtual result<page<seed_peer_record>> list_seed_peers(page_request p, const component_filter& f = {}) = 0;
  virtual result<std::vector<seed_peer_record>> seed_peers_alive_since(std::int64_t seed_peer_cluster_id,
                                                                       std::int64_t since) = 0;

  /// Records a host's announcement (one row per hostname and ip); last seen = h.last_seen_at.
  virtual result<host_record> upsert_host(const host_record& h) = 0;
  virtual result<page<host_record>> list_hosts(page_request p, const component_filter& f = {}) = 0;

  /// Personal access tokens: t.token_hash is set by the caller (the token is never stored).
  virtual result<personal_access_token> create_token(const personal_access_token& t, std::int64_t now) = 0;
  virtual result<personal_access_token> get_token(std::int64_t id) = 0;
  /// Every token (user_id 0), or those of one user.
  virtual result<page<personal_access_token>> list_tokens(page_request p, std::int64_t user_id) = 0;
  /// Replaces bio, state and expired_at of token t.id.
  virtual result<personal_access_token> update_token(const personal_access_token& t, std::int64_t now) = 0;
  virtual result<void> delete_token(std::int64_t id) = 0;
  /// The token whose SHA-256 is `hash` (not_found when none).
  virtual result<personal_access_token> find_token(const std::string& hash) = 0;
  /// Records a use (written at most once a minute per token, to spare the database).
  virtual result<void> touch_token(std::int64_t id, std::int64_t now) = 0;

  /// Jobs (docs/preheat.md). create_job stores j as PENDING, runnable from j.next_run_at.
  virtual result<job_record> create_job(const job_record& j, std::int64_t now) = 0;
  virtual result<job_record> get_job(std::int64_t id) = 0;
  /// Newest first; `state` filters when not empty ("PENDING", …).
  virtual result<page<job_record>> list_jobs(page_request p, const std::string& state) = 0;
  virtual result<void> delete_job(std::int64_t id) = 0;
  virtual result<job_record> update_job_bio(std::int64_t id, const std::string& bio, std::int64_t now) = 0;
  /// PENDING or RUNNING → CANCELED (the lease is dropped, so its runner stops); conflict when the
  /// job has finished already.
  virtual result<job_record> cancel_job(std::int64_t id, std::int64_t now) = 0;
  /// Claims one runnable job for `owner` until now + lease_ms: a PENDING one due by now, or a
  /// RUNNING one whose lease expired (its manager died: a takeover). Exactly one caller gets each
  /// claim, also across replicas (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer).
  /// A job whose lease expired after max_attempts claims is set FAILURE instead. none = idle.
  virtual result<std::optional<job_record>> claim_job(const std::string& owner, std::int64_t now,
                                                       std::int64_t lease_ms, std::int64_t max_attempts) = 0;
  /// Extends owner's lease; false when the job is no longer owner's RUNNING job (canceled,
  /// deleted or taken over): the runner must stop.
  virtual result<bool> renew_lease(std::int64_t id, const std::string& owner, std::int64_t until) = 0;
  /// Gives up every lease `owner` holds (a replica stopping): its RUNNING jobs are claimable at once.
  virtual result<void> release_leases(const std::string& owner) = 0;
  /// Records the end of owner's run: `state` with its outcome (result JSON) and reason; a job with a cron goes back
  /// to PENDING at next_run_at instead (its last result kept). False when no longer owner's.
  virtual result<bool> finish_job(std::int64_t id, const std::string& owner, job_state state,
                                  const std::string& outcome, const std::string& reason, std::int64_t now,
                                  std::int64_t next_run_at) = 0;

  /// The enrollment tokens, issued and revoked certificates (enrollment_store.hpp), on the same
  /// connection and thread.
  virtual enrollment_store& enrollment() = 0;

  /// Counts for the metrics: (schedulers, seed peers) alive since `since`, and hosts.
  struct counts {
    std::uint64_t active_schedulers = 0, active_seed_peers = 0, hosts = 0, clusters = 0;
    std::uint64_t jobs_pending = 0, jobs_running = 0;  // the job queue (docs/preheat.md)
  };
  virtual result<counts> count(std::int64_t since) = 0;

  /// The console's accounts (users, roles, sessions, audit), over the same connection.
  virtual account_store& accounts() = 0;
  /// The download records and the analytics reads (analytics_store.hpp), over the same connection.
  virtual analytics_store& analytics() = 0;
};

/// Clusters scope matching considers at most (a bound on one announcement's work).
inline constexpr std::size_t max_clusters_matched = 1000;

}  // namespace df::manager

namespace boost::system {
template <>
struct is_error_code_enum<df::manager::store_errc> : std::true_type {};
}  // namespace boost::system
