// How the source's pieces enter the swarm. The source's upload is the scarcest resource: while it
// is still reading the origin, each piece it stores is told to one peer per idc only (the one with
// the least outstanding share), which fetches it and passes it on to its children, so the source
// sends each piece once per idc before it sends any twice, and a remote idc receives each piece
// across its link once. Once the source holds everything it is "revealed": every peer of its idc
// may ask it for whatever its other parents cannot give, and peers of other idcs a few seconds
// later (a safety net for pieces their idc lost).

#include "scheduler/swarm.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <tuple>

namespace df::scheduler {

namespace proto = net::proto;

namespace {

bool told(const peer_state& p, std::uint32_t piece) {
  return piece < p.told_by_source.size() && p.told_by_source[piece];
}

void mark_told(peer_state& p, std::uint32_t piece) {
  if (p.told_by_source.size() <= piece) p.told_by_source.resize(piece + 1, false);
  p.told_by_source[piece] = true;
}

std::string digest_of(const task_state& task, std::uint32_t piece) {
  return piece < task.digests.size() ? task.digests[piece] : std::string{};
}

}  // namespace

const std::string& swarm::idc_of(const peer_state& p) const {
  static const std::string none;
  const auto h = hosts_.find(p.host_id);
  return h == hosts_.end() ? none : h->second.info.idc;
}

bool swarm::sees_all_of_source(const task_state& task, const peer_state& child) const {
  if (!task.source_revealed) return false;
  if (task.cross_idc_revealed) return true;
  const auto src = task.peers.find(task.source_peer);
  if (src == task.peers.end()) return true;
  return !different_idcs(idc_of(child), idc_of(src->second));
}

void swarm::on_source_piece(task_state& task, std::uint32_t piece) {
  const std::string digest = digest_of(task, piece);
  if (digest.empty()) return;
  if (!task.source_revealed) {
    if (!assign_source_piece(task, piece)) task.unassigned_source_pieces.push_back(piece);
    // Holding everything already counts, not only the `peer_done` that follows the source's
    // flush to disk (a second or more on a busy machine, with its upload mostly idle).
    const auto src = task.peers.find(task.source_peer);
    if (task.layout_known() && src != task.peers.end() && src->second.pieces.count() == task.piece_count())
      reveal_source(task, false);
    return;
  }
  peer_state& source = task.peers.at(task.source_peer);
  for (const auto& child_id : source.children) {
    auto& child = task.peers.at(child_id);
    if (!sees_all_of_source(task, child)) continue;
    mark_told(child, piece);
    out_(child.host_id, proto::have{task.request.task_id, child_id, source.peer_id, {proto::piece_entry{piece, digest}}});
  }
}

bool swarm::assign_source_piece(task_state& task, std::uint32_t piece) {
  const auto src = task.peers.find(task.source_peer);
  if (src == task.peers.end()) return false;
  // Per idc: least outstanding share first, then the peer holding least (it has most to gain),
  // then the earliest to arrive (deterministic).
  using rank = std::tuple<std::size_t, std::uint32_t, std::uint64_t>;
  std::map<std::string, std::pair<rank, peer_state*>> best_by_idc;
  for (const auto& child_id : src->second.children) {
    auto& child = task.peers.at(child_id);
    if (child.done || child.pieces.has(piece_index(piece)) || told(child, piece)) continue;
    const rank r{child.source_assigned.size(), child.pieces.count(), child.registered_seq};
    auto [it, inserted] = best_by_idc.try_emplace(idc_of(child), r, &child);
    if (!inserted && r < it->second.first) it->second = {r, &child};
  }
  for (auto& [idc, best] : best_by_idc) {
    peer_state& child = *best.second;
    mark_told(child, piece);
    child.source_assigned.insert(piece);
    out_(child.host_id, proto::have{task.request.task_id, child.peer_id, task.source_peer,
                                    {proto::piece_entry{piece, digest_of(task, piece)}}});
  }
  return !best_by_idc.empty();
}

void swarm::reveal_source(task_state& task, bool cross_idc) {
  if (task.source_revealed && (task.cross_idc_revealed || !cross_idc)) return;
  if (!task.source_revealed) task.source_done_at = now_();
  task.source_revealed = true;
  task.cross_idc_revealed = task.cross_idc_revealed || cross_idc;
  task.unassigned_source_pieces.clear();
  const auto src = task.peers.find(task.source_peer);
  if (src == task.peers.end()) return;
  const peer_state& source = src->second;
  for (const auto& child_id : source.children) {
    auto& child = task.peers.at(child_id);
    if (!sees_all_of_source(task, child)) continue;
    proto::have msg{task.request.task_id, child_id, source.peer_id, {}};
    for (std::uint32_t i = 0; i < source.pieces.size(); ++i) {
      if (!source.pieces.has(piece_index(i)) || told(child, i) || digest_of(task, i).empty()) continue;
      mark_told(child, i);
      msg.pieces.push_back(proto::piece_entry{i, digest_of(task, i)});
    }
    if (!msg.pieces.empty()) out_(child.host_id, std::move(msg));
  }
}

void swarm::reset_source_tracking(task_state& task) {
  task.source_revealed = false;
  task.cross_idc_revealed = false;
  task.unassigned_source_pieces.clear();
  for (auto& [id, p] : task.peers) {
    p.told_by_source.clear();
    p.source_assigned.clear();
    p.digests_sent = 0;  // a new source may have other digests
  }
}

std::vector<std::uint32_t> swarm::source_pieces_for(task_state& task, peer_state& child) {
  std::vector<std::uint32_t> out;
  const auto src = task.peers.find(task.source_peer);
  if (src == task.peers.end()) return out;
  for (std::uint32_t i = 0; i < src->second.pieces.size(); ++i) {
    if (!src->second.pieces.has(piece_index(i))) continue;
    if (!sees_all_of_source(task, child) && !told(child, i)) continue;
    mark_told(child, i);
    out.push_back(i);
  }
  // A peer joining while pieces wait for someone to take them gets them.
  if (!task.source_revealed && !task.unassigned_source_pieces.empty()) {
    for (const auto piece : task.unassigned_source_pieces) {
      mark_told(child, piece);
      child.source_assigned.insert(piece);
      out.push_back(piece);
    }
    task.unassigned_source_pieces.clear();
  }
  return out;
}

void swarm::reassign_source_pieces(task_state& task, const std::set<std::uint32_t>& pieces) {
  if (task.source_revealed) return;
  for (const auto piece : pieces)
    if (!assign_source_piece(task, piece)) task.unassigned_source_pieces.push_back(piece);
}

}  // namespace df::scheduler
