#include "scheduler/parent_selector.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
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

std::vector<const std::string*> sample_peers(const task_state& task, const selection_limits& limits,
                                             std::uint64_t seed) {
  std::vector<const std::string*> out;
  if (task.peer_list.size() <= limits.candidate_sample) {
    for (const auto& id : task.peer_list) out.push_back(&id);
    return out;
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> any(0, task.peer_list.size() - 1);
  std::set<std::size_t> picked;
  while (picked.size() < limits.candidate_sample) picked.insert(any(rng));
  for (const auto i : picked) out.push_back(&task.peer_list[i]);
  return out;
}

std::vector<std::string> select_parents(const task_state& task, const std::string& peer_id,
                                        const std::map<std::string, host_state>& hosts,
                                        const selection_limits& limits) {
  const auto self_it = task.peers.find(peer_id);
  if (self_it == task.peers.end()) return {};
  const peer_state& self = self_it->second;
  const auto self_host = hosts.find(self.host_id);
  const net::proto::host_info* mine = self_host != hosts.end() ? &self_host->second.info : nullptr;

  /// One candidate with its host, looked up once.
  struct candidate {
    const peer_state* peer;
    const host_state* host;
    bool current;  // already one of self's parents
    bool foreign;  // in another idc than self
  };
  std::vector<candidate> candidates;
  const auto consider = [&](const peer_state& c) {
    if (c.peer_id == peer_id || c.host_id == self.host_id || c.quarantined || self.blocked_parents.contains(c.peer_id))
      return;
    const auto host = hosts.find(c.host_id);
    if (host == hosts.end()) return;
    const bool current = self.parents.contains(c.peer_id);
    // A host already serving this peer through another of its peers counts once. The source is
    // never full: early on it is the only holder of anything (each peer keeps few requests at it).
    if (!current && !c.is_source && host->second.children >= limits.max_children_per_host) return;
    candidates.push_back({&c, &host->second, current, mine && different_idcs(mine->idc, host->second.info.idc)});
  };
  // Candidates: its current parents, the source, and a sample of the other peers (all of a small
  // task); each is considered once.
  for (const auto& id : self.parents)
    if (const auto it = task.peers.find(id); it != task.peers.end()) consider(it->second);
  if (const auto it = task.peers.find(task.source_peer); it != task.peers.end() && !self.parents.contains(it->first))
    consider(it->second);
  for (const std::string* id : sample_peers(task, limits, std::hash<std::string>{}(peer_id) ^ task.peer_list.size())) {
    if (*id == task.source_peer || self.parents.contains(*id)) continue;
    if (const auto it = task.peers.find(*id); it != task.peers.end()) consider(it->second);
  }
  // Peers in another idc are parents only when this idc has no candidate at all: traffic between
  // idcs crosses their (slow, costly) link; the source's pieces reach every idc anyway.
  const bool any_local = std::any_of(candidates.begin(), candidates.end(),
                                     [](const candidate& c) { return !c.peer->is_source && !c.foreign; });
  std::erase_if(candidates, [&](const candidate& c) { return !c.peer->is_source && any_local && c.foreign; });

  // Current parents stay; the others rank by: the source, same idc, location, free upload
  // capacity (fewer children on the host), more pieces held (lower tuple = better).
  std::vector<std::string> chosen;
  std::size_t others = 0;  // the source never counts against max_parents
  using rank = std::tuple<int, int, int, std::uint32_t, std::int64_t, const std::string*>;
  std::vector<rank> ranked;
  for (const candidate& c : candidates) {
    if (c.current) {
      chosen.push_back(c.peer->peer_id);
      others += !c.peer->is_source;
      continue;
    }
    const int same_idc = mine && !mine->idc.empty() && mine->idc == c.host->info.idc;
    const int affinity = mine ? location_affinity(mine->location, c.host->info.location) : 0;
    ranked.emplace_back(c.peer->is_source ? 0 : 1, -same_idc, -affinity, c.host->children,
                        -static_cast<std::int64_t>(c.peer->pieces.count()), &c.peer->peer_id);
  }
  std::sort(ranked.begin(), ranked.end(), [](const rank& a, const rank& b) {
    const auto key = [](const rank& r) { return std::tie(std::get<0>(r), std::get<1>(r), std::get<2>(r),
                                                         std::get<3>(r), std::get<4>(r), *std::get<5>(r)); };
    return key(a) < key(b);
  });
  for (const auto& r : ranked) {
    if (std::get<0>(r) != 0) {
      if (others >= limits.max_parents) continue;
      ++others;
    }
    chosen.push_back(*std::get<5>(r));
  }
  return chosen;
}

}  // namespace df::scheduler
