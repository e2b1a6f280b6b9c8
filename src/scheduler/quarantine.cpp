// Holders that children report failing: quarantine for the task, the `reverify` request to the
// holder's daemon and what its answer changes. Part of swarm; docs/scheduling.md "Failing
// parents and quarantine" says the policy in prose.
#include "scheduler/swarm.hpp"

#include "core/piece_layout.hpp"

#include <spdlog/spdlog.h>

namespace df::scheduler {

namespace proto = net::proto;

void swarm::note_report(task_state& task, peer_state& parent, const std::string& reporter_host,
                        const std::vector<std::uint32_t>& pieces, bool counts) {
  if (parent.is_source || parent.quarantined) return;
  // Only pieces the holder is known to hold are worth its disk time; the list stays bounded.
  for (const auto piece : pieces)
    if (parent.pieces.has(piece_index(piece)) && parent.reported_pieces.size() < proto::field_limits::reverify_pieces)
      parent.reported_pieces.insert(piece);
  // One host's reports count once: a rogue cannot quarantine an honest holder alone.
  if (counts && parent.reported_by.insert(reporter_host).second &&
      parent.reported_by.size() >= limits_.quarantine_reports)
    quarantine(task, parent);
}

void swarm::quarantine(task_state& task, peer_state& holder) {
  holder.quarantined = true;
  ++holder.quarantines;
  stats_.quarantined.add();
  spdlog::warn("task {}: peer {} on host {} reported failing by {} hosts; quarantined{} (no one's parent now)",
               task.request.task_id, holder.peer_id, holder.host_id, holder.reported_by.size(),
               holder.quarantines > 1 ? " for good (the second time in this task)" : "");
  std::vector<std::string> children(holder.children.begin(), holder.children.end());
  for (const auto& id : children) {
    auto it = task.peers.find(id);
    if (it == task.peers.end()) continue;
    set_parents(task, it->second, parents_except(it->second, holder.peer_id));
    schedule(task, it->second, true);
  }
  // Its daemon re-hashes the reported pieces and drops what fails (for its own clients too, even
  // when it stays out). A daemon that does not list the feature would hang up on the message;
  // one that never answers stays quarantined.
  const auto host = hosts_.find(holder.host_id);
  if (holder.reverify_pending || host == hosts_.end() || !proto::has_feature(host->second.info, proto::feature_reverify))
    return;
  holder.reverify_pending = true;
  stats_.reverify_sent.add();
  out_(holder.host_id, proto::reverify{task.request.task_id, holder.peer_id,
                                       {holder.reported_pieces.begin(), holder.reported_pieces.end()}});
}

result<void> swarm::on_reverified(const std::string& host_id, const proto::reverified& m) {
  auto owned = own_peer(host_id, m.task_id, m.peer_id);
  if (!owned) return owned.error();
  if (!*owned) return {};
  peer_state& peer = **owned;
  task_state& task = tasks_.at(m.task_id);
  if (!peer.reverify_pending) return {};  // not asked (or asked before a reconnect): nothing to do
  const std::uint32_t limit = task.layout_known() ? task.piece_count() : max_piece_count;
  for (const auto* list : {&m.dropped, &m.verified})
    for (const auto piece : *list)
      if (piece >= limit) return errc::out_of_bounds;
  peer.reverify_pending = false;
  (m.dropped.empty() ? stats_.reverify_clean : stats_.reverify_dropped).add();
  for (const auto piece : m.dropped) peer.pieces.reset(piece_index(piece));
  // The first quarantine ends with any answer: an honest holder dropped its bad pieces, or its
  // disk is fine and the reports came from elsewhere. Reported again, it is out for good: a
  // rogue can answer anything, so its word buys one second chance per task, no more.
  const bool readmit = peer.quarantined && peer.quarantines == 1;
  spdlog::info("task {}: peer {} re-verified {} pieces and dropped {}; {}", m.task_id, m.peer_id,
               m.verified.size() + m.dropped.size(), m.dropped.size(),
               readmit ? "re-admitted" : peer.quarantined ? "stays quarantined" : "not quarantined");
  if (readmit) {
    peer.quarantined = false;
    peer.reported_by.clear();
    peer.reported_pieces.clear();
    stats_.readmitted.add();
  }
  if (!m.dropped.empty() && peer.done && !peer.is_source) {
    peer.done = false;  // it fetches the dropped pieces again
    schedule(task, peer, true);
  }
  if (readmit) offer_as_parent(task, peer);
  return {};
}

}  // namespace df::scheduler
