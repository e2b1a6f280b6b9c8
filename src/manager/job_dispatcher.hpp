#pragma once
// The seam between the manager's job engine and the swarm: hand one cluster its part of a job
// (the task URLs, the scope, the headers) and get back what each host did. The scheduler
// protocol implements it (next step); until then the manager's binary uses
// make_unwired_dispatcher(), which fails every job clearly.

#include "manager/model.hpp"
#include "net/asio.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace df::manager {

/// One cluster's share of a job, as the engine hands it to the dispatcher.
struct dispatch_request {
  std::int64_t job_id = 0;
  std::string type;                     // "preheat", "get_task", "delete_task"
  std::int64_t scheduler_cluster_id = 0;
  std::vector<scheduler_record> schedulers;  // the cluster's active schedulers (may be empty)
  std::vector<seed_peer_record> seed_peers;  // its active seed peers (may be empty)
  std::vector<std::string> urls;        // preheat: the blobs (image) or files; tasks: the task's URL
  std::string task_id;                  // get_task / delete_task by ID
  std::map<std::string, std::string> headers;  // for the origin (credentials: never log them)
  std::string tag, application, filtered_query_params;  // the parts of the task ID
  std::string scope = "single_seed_peer";  // single_seed_peer, all_seed_peers, all_peers
  std::int64_t concurrent_count = 50;   // hosts told at once (all_peers)
  std::int64_t timeout_ms = 0;          // for the whole share
  /// True once the run must stop (canceled, deleted, or its lease lost): a long dispatch polls it.
  std::function<bool()> stopped;
};

/// What one host did with one URL.
struct host_result {
  std::string hostname;
  std::string ip;
  std::string url;
  std::uint64_t bytes = 0;
  std::int64_t duration_ms = 0;
  std::string source;  // "peers", "origin" or "cache" (what it had already)
  std::string error;   // empty = success
};

/// One cluster's outcome: each host's results, or why nothing could be done at all
/// ("no active seed peer in cluster 2").
struct dispatch_result {
  std::vector<host_result> hosts;
  std::string error;
};

/// Dispatches a job's share to a cluster's schedulers; runs on the engine's thread (calls
/// are coroutines on its io_context; it may run several at once).
class job_dispatcher {
 public:
  virtual ~job_dispatcher() = default;
  virtual net::awaitable<dispatch_result> dispatch(const dispatch_request& request) = 0;
};

/// The dispatcher of a manager not yet wired to its schedulers: every share fails with
/// "no scheduler dispatch yet …".
std::unique_ptr<job_dispatcher> make_unwired_dispatcher();

}  // namespace df::manager
