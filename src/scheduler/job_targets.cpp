#include "scheduler/job_targets.hpp"

#include "scheduler/seed_choice.hpp"

#include <limits>

namespace df::scheduler {

bool known_scope(std::string_view scope) {
  return scope == "single_seed_peer" || scope == "all_seed_peers" || scope == "all_peers";
}

std::vector<std::string> job_targets(std::string_view scope, std::string_view task_id,
                                     const std::map<std::string, host_state>& hosts) {
  std::vector<std::string> out;
  if (scope == "all_peers") {
    for (const auto& [id, h] : hosts) out.push_back(id);
  } else if (scope == "all_seed_peers") {
    for (const auto& [id, h] : hosts)
      if (h.info.seed) out.push_back(id);
  } else if (scope == "single_seed_peer") {
    std::vector<seed_candidate> seeds;
    for (const auto& [id, h] : hosts)
      if (h.info.seed) seeds.push_back({id, h.info.idc, 0});
    if (auto pick = choose_seed(task_id, "", seeds, std::numeric_limits<std::uint32_t>::max())) out.push_back(pick->host_id);
  }
  return out;
}

}  // namespace df::scheduler
