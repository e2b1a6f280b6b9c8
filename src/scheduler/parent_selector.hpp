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
};

/// The parents `peer` should have: its still-valid current parents, topped up with the best other
/// candidates. A candidate is any other peer of the task, not blocked for this peer, on a host with
/// a free upload slot; it need not hold pieces yet (it is then already connected when it gets its
/// first). Parent edges may go both ways: peers trade pieces, as in a mesh. The source is always
/// included and does not count against max_parents; other candidates rank by same idc, shared
/// location prefix, fewer children on their host (free upload capacity), then more pieces held.
std::vector<std::string> select_parents(const task_state& task, const std::string& peer_id,
                                        const std::map<std::string, host_state>& hosts,
                                        const selection_limits& limits);

}  // namespace df::scheduler
