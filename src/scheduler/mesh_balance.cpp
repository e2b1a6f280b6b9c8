// Keeping the upload load even across a task's mesh: who becomes a parent of whom when a peer joins.

#include "scheduler/swarm.hpp"

#include <algorithm>

namespace df::scheduler {

std::uint32_t swarm::host_children(const peer_state& peer) const {
  const auto h = hosts_.find(peer.host_id);
  return h == hosts_.end() ? 0 : h->second.children;
}

peer_state* swarm::busiest_parent(task_state& task, const peer_state& child) {
  peer_state* busiest = nullptr;
  for (const auto& id : child.parents) {
    auto& p = task.peers.at(id);
    if (p.is_source) continue;
    if (!busiest || host_children(p) > host_children(*busiest)) busiest = &p;
  }
  return busiest;
}

const peer_state* swarm::foreign_parent(task_state& task, const peer_state& child) {
  for (const auto& id : child.parents) {
    const auto& p = task.peers.at(id);
    if (!p.is_source && different_idcs(idc_of(p), idc_of(child))) return &p;
  }
  return nullptr;
}

void swarm::offer_as_parent(task_state& task, peer_state& peer) {
  if (peer.quarantined) return;
  const auto host = hosts_.find(peer.host_id);
  if (host == hosts_.end()) return;
  const std::string& idc = idc_of(peer);
  // Changing existing parents is for small tasks, where every peer is a candidate of every other
  // and the first to join would otherwise serve everyone. In a big task candidates are sampled at
  // random, so no host gathers everyone, and the extra work and `parents` messages per join would
  // cost more than they bring (10,000 peers at 1,000 joins/s: p99 decision latency 2.4 ms → 7 s).
  const bool rebalance = task.peer_list.size() <= limits_.candidate_sample;
  std::vector<std::pair<peer_state*, const peer_state*>> with_foreign;  // (child, its parent in another idc)
  std::vector<std::pair<std::size_t, peer_state*>> short_of_parents;
  std::vector<std::pair<std::uint32_t, peer_state*>> overloaded;  // (load of the busiest parent, child)
  for (const std::string* sampled : sample_peers(task, limits_, next_seq_)) {
    const auto it = task.peers.find(*sampled);
    if (it == task.peers.end()) continue;
    auto& [id, p] = *it;
    if (p.is_source || p.done || id == peer.peer_id || p.host_id == peer.host_id || p.parents.contains(peer.peer_id) ||
        p.blocked_parents.contains(peer.peer_id))
      continue;
    if (different_idcs(idc_of(p), idc)) continue;  // they find parents in their own idc
    const std::size_t others = p.parents.size() - (task.source_peer.empty() ? 0 : p.parents.count(task.source_peer));
    const peer_state* foreign = rebalance ? foreign_parent(task, p) : nullptr;
    if (foreign) with_foreign.emplace_back(&p, foreign);
    else if (others < limits_.max_parents) short_of_parents.emplace_back(others, &p);
    else if (const peer_state* busiest = rebalance ? busiest_parent(task, p) : nullptr)
      overloaded.emplace_back(host_children(*busiest), &p);
  }
  std::sort(short_of_parents.begin(), short_of_parents.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::sort(overloaded.begin(), overloaded.end(), [](const auto& a, const auto& b) { return a.first > b.first; });

  std::size_t adopted = 0;
  const auto full = [&] {
    return adopted == limits_.max_parents || host->second.children >= limits_.max_children_per_host;
  };
  // `peer` becomes a parent of `child`, in place of `replaced` (none: in addition).
  const auto adopt = [&](peer_state& child, const std::string& replaced) {
    auto parents = parents_except(child, replaced);
    parents.push_back(peer.peer_id);
    set_parents(task, child, std::move(parents));
    ++adopted;
  };
  // A peer that had to take a parent in another idc (it joined before anyone of its own idc)
  // trades it for this one: traffic between idcs crosses their link.
  for (const auto& [child, foreign] : with_foreign) {
    if (full()) return;
    adopt(*child, foreign->peer_id);
  }
  for (const auto& [others, child] : short_of_parents) {
    if (full()) return;
    adopt(*child, {});
  }
  for (const auto& [load, child] : overloaded) {
    if (full()) return;
    // Re-read: earlier swaps in this loop changed the loads.
    const peer_state* busiest = busiest_parent(task, *child);
    if (busiest && host_children(*busiest) >= host->second.children + 2) adopt(*child, busiest->peer_id);
  }
}

}  // namespace df::scheduler
