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
  std::size_t max_parents = 4;          // parents per peer
  std::uint32_t max_children_per_host = 64;  // upload slots: children a host serves at once
  // After a start, how long to wait for daemons to re-announce sources before sending a plain
  // peer to the origin (seed peers are asked at once).
  std::chrono::milliseconds source_election_delay{5000};
};

/// True when `ancestor` is reachable from `peer` by following parent edges (so making `peer` a
/// parent of `ancestor` would close a cycle).
bool is_ancestor(const task_state& task, const std::string& ancestor, const std::string& peer);

/// The parents `peer` should have: its still-valid current parents, topped up with the best other
/// candidates. Candidates hold pieces (or are the source), are not the peer, not blocked for it,
/// not its descendants, and live on a host with free upload slots. The source is always included
/// and does not count against max_parents; other candidates rank by same idc, shared location
/// prefix, more pieces held, then fewer children on their host.
std::vector<std::string> select_parents(const task_state& task, const std::string& peer_id,
                                        const std::map<std::string, host_state>& hosts,
                                        const selection_limits& limits);

}  // namespace df::scheduler
