#include "scheduler/parent_selector.hpp"

#include <algorithm>
#include <tuple>

namespace df::scheduler {

namespace {

// Longest common prefix of two '|'-separated locations, in elements ("cn|hz|r1" vs "cn|hz|r2" → 2).
int location_affinity(const std::string& a, const std::string& b) {
  int common = 0;
  std::size_t i = 0;
  while (i < a.size() && i < b.size()) {
    const auto ea = a.find('|', i), eb = b.find('|', i);
    if (a.substr(i, ea - i) != b.substr(i, eb - i)) break;
    ++common;
    if (ea == std::string::npos || eb == std::string::npos) break;
    i = ea + 1;
  }
  return common;
}

}  // namespace

std::vector<std::string> select_parents(const task_state& task, const std::string& peer_id,
                                        const std::map<std::string, host_state>& hosts,
                                        const selection_limits& limits) {
  const auto self_it = task.peers.find(peer_id);
  if (self_it == task.peers.end()) return {};
  const peer_state& self = self_it->second;
  const auto self_host = hosts.find(self.host_id);

  const auto eligible = [&](const peer_state& c) {
    if (c.peer_id == peer_id || c.host_id == self.host_id || self.blocked_parents.contains(c.peer_id)) return false;
    const auto host = hosts.find(c.host_id);
    if (host == hosts.end()) return false;
    // A host already serving this peer through another of its peers counts once.
    return self.parents.contains(c.peer_id) || host->second.children < limits.max_children_per_host;
  };

  std::vector<std::string> chosen;
  for (const auto& p : self.parents) {
    const auto it = task.peers.find(p);
    if (it != task.peers.end() && eligible(it->second)) chosen.push_back(p);
  }

  // Rank the other candidates: lower tuple = better.
  using rank = std::tuple<int, int, int, std::uint32_t, std::int64_t, std::string>;
  std::vector<rank> ranked;
  for (const auto& [id, c] : task.peers) {
    if (self.parents.contains(id) || !eligible(c)) continue;
    const auto& host = hosts.at(c.host_id);
    int same_idc = 0, affinity = 0;
    if (self_host != hosts.end()) {
      const auto& mine = self_host->second.info;
      same_idc = !mine.idc.empty() && mine.idc == host.info.idc;
      affinity = location_affinity(mine.location, host.info.location);
    }
    ranked.emplace_back(c.is_source ? 0 : 1, -same_idc, -affinity, host.children,
                        -static_cast<std::int64_t>(c.pieces.count()), id);
  }
  std::sort(ranked.begin(), ranked.end());
  // The source never counts against max_parents: a peer must always be able to reach every piece.
  const auto is_source = [&](const std::string& id) { return task.peers.at(id).is_source; };
  std::size_t others = static_cast<std::size_t>(std::count_if(chosen.begin(), chosen.end(),
                                                              [&](const auto& id) { return !is_source(id); }));
  for (const auto& r : ranked) {
    const std::string& id = std::get<5>(r);
    if (!is_source(id)) {
      if (others >= limits.max_parents) continue;
      ++others;
    }
    chosen.push_back(id);
  }
  return chosen;
}

}  // namespace df::scheduler
