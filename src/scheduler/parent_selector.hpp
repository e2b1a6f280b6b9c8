#pragma once
// Parent choice, as a pure function over the model: no I/O, testable from tiny hand-built swarms.

#include "scheduler/resource.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace df::scheduler {

/// Tunables of parent choice (scheduler config).
struct selection_limits {
  std::size_t max_parents = 8;          // parents per peer
  std::uint32_t max_children_per_host = 64;  // upload slots: children a host serves at once
  // After a start, how long to wait for daemons to re-announce sources before sending a plain
  // peer to the origin (seed peers are asked at once).
  std::chrono::milliseconds source_election_delay{5000};
  // After the source holds everything, how long peers in other idcs rely on their own idc's
  // peers before they may fetch from the source across the inter-idc link.
  std::chrono::milliseconds cross_idc_reveal_delay{5000};
  // In a task with more peers than this, a decision looks at this many peers picked at random
  // (plus the current parents and the source) instead of all of them: O(1) instead of O(peers).
  std::size_t candidate_sample = 64;
  // Peers one host may have at once (tasks it takes part in); a registration over it is refused.
  std::size_t max_peers_per_host = 10000;
  // Tasks one seed host is asked to source at once (asked, or fetching and not done); a new task
  // goes to another seed while it is at this, or to the least loaded seed when all are.
  std::uint32_t seed_max_tasks = 32;
  // Children on this many different hosts reporting one holder failing (a bad piece, a broken
  // connection) quarantine it: it is no parent to anyone in that task any more.
  std::uint32_t quarantine_reports = 3;
};

/// The ids of up to `limits.candidate_sample` peers of the task picked at random (all of them in a
/// small task), deterministically from `seed`. The pointers live as long as the task's peers do.
std::vector<const std::string*> sample_peers(const task_state& task, const selection_limits& limits,
                                             std::uint64_t seed);

/// The parents `peer` should have: its still-valid current parents, topped up with the best other
/// candidates. A candidate is any other peer of the task, not blocked for this peer, not on its
/// host, on a host with a free upload slot (the source always has one); it need not hold pieces
/// yet (it is then already connected when it gets its first). Peers in another idc are candidates
/// only when the peer's own idc has none. Parent edges may go both ways: peers trade pieces, as in
/// a mesh. The source is always included and does not count against max_parents; other candidates
/// rank by same idc, shared location prefix, fewer children on their host (free upload capacity),
/// then more pieces held. In a big task only a random sample of candidates is looked at
/// (selection_limits::candidate_sample).
std::vector<std::string> select_parents(const task_state& task, const std::string& peer_id,
                                        const std::map<std::string, host_state>& hosts,
                                        const selection_limits& limits);

}  // namespace df::scheduler
