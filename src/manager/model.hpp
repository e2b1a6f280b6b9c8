#pragma once
// The manager's data model as plain values. Names follow Dragonfly 2's manager (scheduler
// clusters, seed-peer clusters, schedulers, seed peers, hosts) so its users recognise them.

#include <cstdint>
#include <string>
#include <vector>

namespace df::manager {

/// Which hosts a scheduler cluster serves (docs/manager.md, "Scope matching").
struct cluster_scopes {
  std::string idc;                     // "|"-separated idcs, e.g. "idc1|idc2"; empty = any
  std::string location;                // "|"-separated path, e.g. "cn|hangzhou|rack12"
  std::vector<std::string> cidrs;      // "10.0.0.0/8", "fd00::/8"
  std::vector<std::string> hostnames;  // globs (`*`, `?`) matched against the whole hostname
  bool operator==(const cluster_scopes&) const = default;
};

/// What a cluster's schedulers and daemons must refuse to distribute.
struct cluster_blocklist {
  std::vector<std::string> applications;  // X-Dragonfly-Application values
  std::vector<std::string> urls;          // regular expressions over the task URL
  std::vector<std::string> tags;          // X-Dragonfly-Tag values
  bool operator==(const cluster_blocklist&) const = default;
};

/// Settings a scheduler cluster hands to its schedulers and to the daemons of its hosts.
struct cluster_config {
  std::uint32_t candidate_parent_limit = 4;    // parents a peer downloads from at once
  std::uint32_t filter_parent_limit = 15;      // candidates the scheduler samples per choice
  std::uint64_t peer_upload_rate_limit = 0;    // bytes/s each peer may upload; 0 = unlimited
  std::uint64_t peer_download_rate_limit = 0;  // bytes/s each peer may download; 0 = unlimited
  cluster_blocklist blocklist;
  bool operator==(const cluster_config&) const = default;
};

/// A group of schedulers serving the hosts within its scopes; one row of scheduler_clusters.
struct scheduler_cluster {
  std::int64_t id = 0;
  std::string name;
  std::string bio;
  cluster_scopes scopes;
  cluster_config config;
  bool is_default = false;
  std::int64_t seed_peer_cluster_id = 0;  // its 1:1 seed-peer cluster
  std::int64_t created_at = 0;            // milliseconds since the epoch
  std::int64_t updated_at = 0;
};

/// The seed peers paired 1:1 with a scheduler cluster (created and deleted with it).
struct seed_peer_cluster {
  std::int64_t id = 0;
  std::string name;
  std::string bio;
  std::int64_t scheduler_cluster_id = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// Whether a component kept alive recently: computed when read, from its last keepalive.
enum class component_state { active, inactive };

/// A dfscheduler registered with the manager.
struct scheduler_record {
  std::int64_t id = 0;
  std::string hostname;
  std::string ip;
  std::uint16_t port = 0;
  std::string idc;
  std::string location;
  std::int64_t scheduler_cluster_id = 0;
  std::int64_t last_keepalive_at = 0;  // ms since the epoch
  component_state state = component_state::inactive;
};

/// A dfdaemon in seed-peer mode registered with the manager.
struct seed_peer_record {
  std::int64_t id = 0;
  std::string hostname;
  std::string ip;
  std::uint16_t port = 0;           // upload port
  std::uint16_t download_port = 0;  // proxy port
  std::string type = "super";       // "super" (the swarm's source), as in Dragonfly
  std::string idc;
  std::string location;
  std::int64_t seed_peer_cluster_id = 0;
  std::int64_t last_keepalive_at = 0;
  component_state state = component_state::inactive;
};

/// A daemon that announced itself, with the cluster it was given.
struct host_record {
  std::int64_t id = 0;
  std::string hostname;
  std::string ip;
  std::string idc;
  std::string location;
  std::string version;
  std::uint64_t cache_bytes = 0;        // bytes its cache holds
  std::uint64_t upload_rate_limit = 0;  // bytes/s; 0 = unlimited
  std::int64_t scheduler_cluster_id = 0;
  std::int64_t last_seen_at = 0;
};

/// One page of a list: which rows, and how many exist in all.
struct page_request {
  std::uint32_t page = 1;       // from 1
  std::uint32_t per_page = 50;  // at most max_per_page
};
inline constexpr std::uint32_t max_per_page = 100;

/// Narrows a list of schedulers, seed peers or hosts (`?search=&state=`, docs/manager.md).
struct component_filter {
  std::string search;  // rows whose hostname, ip, idc or location contain it, any case; "" = all
  /// Schedulers and seed peers: active = last keepalive at or after `alive_since` (hosts: ignored).
  enum class state_filter { any, active, inactive } state = state_filter::any;
  std::int64_t alive_since = 0;
};
inline constexpr std::size_t max_search_bytes = 128;

/// Rows of one page and the total count over every page.
template <class T>
struct page {
  std::vector<T> items;
  std::uint64_t total = 0;
};

/// A personal access token for the Open API (/oapi/v1); the token itself is shown once at
/// creation and stored only as its SHA-256.
struct personal_access_token {
  std::int64_t id = 0;
  std::string name;
  std::string bio;
  std::vector<std::string> scopes;  // "job", "cluster"
  std::string state = "active";     // "active" or "inactive" (revoked)
  std::int64_t expired_at = 0;      // ms since the epoch; the token is refused from then on
  std::int64_t last_used_at = 0;    // ms since the epoch; 0 = never used
  std::string token_hash;           // lower-case hex SHA-256 of the token
  std::int64_t user_id = 0;         // the console user who made it (0: the admin token)
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// Where a job is: PENDING → RUNNING → SUCCESS | FAILURE | CANCELED (docs/preheat.md).
enum class job_state { pending, running, success, failure, canceled };

/// One job row: what to do (type, args), where (clusters), when (cron), who runs it (the lease)
/// and how it went (result, reason).
struct job_record {
  std::int64_t id = 0;
  std::string type;  // "preheat", "get_task", "delete_task"
  std::string bio;
  std::string args;  // JSON object text, credentials included (redacted whenever answered)
  std::vector<std::int64_t> scheduler_cluster_ids;  // empty = every cluster
  std::string cron;  // 5-field cron expression; empty = run once
  job_state state = job_state::pending;
  std::string result;  // JSON object text ("{}" until it ran)
  std::string reason;  // why it failed, for a user to act on
  std::string lease_owner;            // the manager running it
  std::int64_t lease_expires_at = 0;  // ms; another manager may take it over after this
  std::int64_t attempts = 0;          // claims so far (a takeover is a second attempt)
  std::int64_t next_run_at = 0;       // ms; not claimed before this
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;
};

}  // namespace df::manager
