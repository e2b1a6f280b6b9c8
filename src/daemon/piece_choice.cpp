// The peer engine's choices: which piece to ask for next and of which parent, how many requests
// to keep in flight, and what each parent has delivered lately (methods of peer_task).

#include "daemon/context.hpp"
#include "daemon/peer_task.hpp"

#include <algorithm>
#include <limits>

namespace df::daemon {

namespace {
// A peer with other parents keeps few requests at the seed, whose upload is shared by the swarm.
constexpr std::uint32_t seed_requests_with_peer_parents = 2;
}  // namespace

void peer_task::note_held(parent_state& parent, std::uint32_t piece) const {
  // Sized by the layout once known; before that (a parent known before the task's length) it
  // grows, up to a bound that keeps a bogus piece number from costing memory.
  constexpr std::uint32_t max_pieces_before_layout = 1u << 20;
  const std::uint32_t limit = meta_.content_length ? meta_.layout().piece_count() : max_pieces_before_layout;
  if (piece >= limit) return;
  if (piece >= parent.pieces.size()) parent.pieces.resize(meta_.content_length ? limit : piece + 1);
  parent.pieces.set(piece_index(piece));
}

swarm_progress peer_task::progress() const {
  swarm_progress p;
  p.mine = meta_.verified.count();
  p.piece_count = meta_.content_length ? meta_.layout().piece_count() : 0;
  std::size_t held = 0;
  for (const auto& [id, parent] : parents_)
    if (!parent.info.seed) ++p.parents, held += parent.pieces.count();
  if (p.parents > 0) p.parents_mean = static_cast<double>(held) / static_cast<double>(p.parents);
  return p;
}

std::optional<std::pair<std::uint32_t, std::string>> peer_task::pick() const {
  if (!meta_.content_length || phase_ != phase::running) return std::nullopt;
  const std::uint32_t count = meta_.layout().piece_count();
  const auto have_digest = [&](std::uint32_t i) {
    return i < meta_.piece_digests.size() && !meta_.piece_digests[i].empty();
  };
  const std::uint32_t missing = count - std::min(count, meta_.verified.count());
  // Endgame: everything left is already requested. A piece may then be asked of a second parent
  // too (the first copy to arrive is kept), so one slow parent cannot hold up the end.
  const bool endgame = missing > 0 && missing <= in_flight_.size();
  const auto wanted = [&](std::uint32_t i) {
    if (meta_.verified.has(piece_index(i)) || !have_digest(i)) return false;
    const auto it = in_flight_.find(i);
    return it == in_flight_.end() || (endgame && it->second.size() < 2);
  };
  double fastest = 0;  // an untried parent is assumed as fast as the fastest known one
  for (const auto& [id, p] : parents_) fastest = std::max(fastest, p.throughput);

  // Rarest first among the non-seed parents (the seed holds everything, so it says nothing about
  // rarity), so every peer soon holds pieces the others lack and all of them upload; ties go to
  // the piece nearest this peer's own starting point (peers start at different places).
  std::optional<std::pair<std::uint32_t, std::string>> best;
  std::uint32_t best_holders = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::pair<std::uint32_t, const std::string*>> seed_only;  // what only the seed can give now
  for (std::uint32_t k = 0; k < count; ++k) {
    const std::uint32_t i = (pick_offset_ + k) % count;
    if (!wanted(i)) continue;
    std::uint32_t holders = 0;
    for (const auto& [id, p] : parents_) holders += !p.info.seed && p.pieces.has(piece_index(i));
    if (holders >= best_holders && holders > 0) continue;
    const std::string* from = best_holder(i, fastest);
    if (!from) continue;
    if (holders == 0) {
      seed_only.emplace_back(i, from);
    } else {
      best = std::pair{i, *from};
      best_holders = holders;
    }
  }
  // What only the seed holds: a random such piece, so that peers asking at the same time mostly
  // ask for different pieces and the seed's upload brings new pieces into the swarm.
  if (!seed_only.empty()) {
    std::uniform_int_distribution<std::size_t> any(0, seed_only.size() - 1);
    const auto& [i, seed] = seed_only[any(rng_)];
    return std::pair{i, *seed};
  }
  return best;
}

const std::string* peer_task::best_holder(std::uint32_t i, double fallback_throughput) const {
  const std::uint32_t per_parent = ctx_.cfg.download.per_parent_pieces;
  const std::uint32_t seed_limit = parents_.size() > 1 ? seed_requests_with_peer_parents : per_parent;
  const auto asked = in_flight_.find(i);
  const std::string* best = nullptr;
  double best_eta = std::numeric_limits<double>::max();
  for (const auto& [id, p] : parents_) {
    if (!p.pieces.has(piece_index(i)) || p.in_flight >= (p.info.seed ? seed_limit : per_parent)) continue;
    if (asked != in_flight_.end() && asked->second.contains(id)) continue;
    const double rate = p.throughput > 0 ? p.throughput : (fallback_throughput > 0 ? fallback_throughput : 1.0);
    // Time until it would have sent this piece too (it shares itself among our requests); a
    // non-seed parent wins a tie, leaving the seed's upload to what only it holds.
    const double eta = (p.in_flight + 1) / rate * (p.info.seed ? 1.0001 : 1.0);
    if (eta < best_eta) best = &id, best_eta = eta;
  }
  return best;
}

void peer_task::record_throughput(const std::string& parent_id, std::uint64_t bytes,
                                  std::chrono::steady_clock::duration took, std::uint32_t sharing) {
  const auto it = parents_.find(parent_id);
  const double seconds = std::chrono::duration<double>(took).count();
  if (it == parents_.end() || seconds <= 0) return;
  // This request shared the parent's upload to us with `sharing` - 1 others.
  const double sample = static_cast<double>(bytes) * std::max<std::uint32_t>(sharing, 1) / seconds;
  double& t = it->second.throughput;
  t = t > 0 ? 0.7 * t + 0.3 * sample : sample;
}

}  // namespace df::daemon
