#pragma once
// Which hosts a manager's job reaches, as a pure function of the connected hosts (no I/O):
// testable from a list of hosts (docs/jobs-dispatch.md, "Scopes").

#include "scheduler/resource.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace df::scheduler {

/// The host IDs a preheat of `task_id` goes to under `scope`: "single_seed_peer" → the seed
/// choose_seed picks for the task (the one a later request's seed trigger meets), "all_seed_peers"
/// → every seed host, "all_peers" → every host. Empty when the scope names none or is unknown.
std::vector<std::string> job_targets(std::string_view scope, std::string_view task_id,
                                     const std::map<std::string, host_state>& hosts);

/// True for the three scopes job_targets knows.
bool known_scope(std::string_view scope);

}  // namespace df::scheduler
