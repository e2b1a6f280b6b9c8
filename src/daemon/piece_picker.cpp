#include "daemon/piece_picker.hpp"

#include <algorithm>
#include <limits>

namespace df::daemon {

namespace {

// A peer with other parents keeps few requests at the seed, whose upload is shared by the swarm.
constexpr std::uint32_t seed_requests_with_peer_parents = 2;
// Candidates one pick looks at (wanted pieces, in scan order): every piece of a task of ordinary
// size, a window of a very big one, so that a pick costs the same at 100,000 pieces as at 1,000.
constexpr std::uint32_t max_candidates = 1024;
// Before the layout is known a parent's set grows with the pieces it announces, up to this.
constexpr std::uint32_t max_pieces_before_layout = 1u << 20;

bool digest_known(const pick_input& in, std::uint32_t i) { return i < in.digests.size() && !in.digests[i].empty(); }

}  // namespace

std::optional<piece_request> piece_picker::pick(const pick_input& in) {
  if (!in.piece_count) return std::nullopt;
  const std::uint32_t count = *in.piece_count;
  const std::uint32_t missing = count - std::min(count, in.verified.count());
  // Endgame: everything left is already requested. A piece may then be asked of a second parent
  // too (the first copy to arrive is kept), so one slow parent cannot hold up the end.
  const bool endgame = missing > 0 && missing <= in.in_flight.size();
  const auto wanted = [&](std::uint32_t i) {
    if (in.verified.has(piece_index(i)) || !digest_known(in, i)) return false;
    const auto it = in.in_flight.find(i);
    return it == in.in_flight.end() || (endgame && it->second.size() < 2);
  };
  double fastest = 0;  // an untried parent is assumed as fast as the fastest known one
  for (const auto& [id, p] : in.parents) fastest = std::max(fastest, p.throughput);

  // Rarest first among the non-seed parents (the seed holds everything, so it says nothing about
  // rarity), so every peer soon holds pieces the others lack and all of them upload; ties go to
  // the piece nearest this peer's own starting point (peers start at different places).
  std::optional<piece_request> best;
  std::uint32_t best_holders = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::pair<std::uint32_t, const std::string*>> seed_only;  // what only the seed can give now
  // Verified pieces at the start of the scan are skipped until a verified piece is dropped.
  if (in.generation != skip_generation_ || skip_ > count) skip_ = 0, skip_generation_ = in.generation;
  while (skip_ < count && in.verified.has(piece_index(static_cast<std::uint32_t>((std::uint64_t{start_} + skip_) % count))))
    ++skip_;
  std::uint32_t candidates = 0;
  for (std::uint32_t k = skip_; k < count && candidates < max_candidates; ++k) {
    const std::uint32_t i = static_cast<std::uint32_t>((std::uint64_t{start_} + k) % count);
    if (!wanted(i)) continue;
    ++candidates;
    std::uint32_t holders = 0;
    for (const auto& [id, p] : in.parents) holders += !p.info.seed && p.pieces.has(piece_index(i));
    if (holders >= best_holders && holders > 0) continue;
    const std::string* from = best_holder(in, i, fastest);
    if (!from) continue;
    if (holders == 0) {
      seed_only.emplace_back(i, from);
    } else {
      best = piece_request{i, *from};
      best_holders = holders;
    }
  }
  // What only the seed holds: a random such piece, so that peers asking at the same time mostly
  // ask for different pieces and the seed's upload brings new pieces into the swarm.
  if (!seed_only.empty()) {
    std::uniform_int_distribution<std::size_t> any(0, seed_only.size() - 1);
    const auto& [i, seed] = seed_only[any(rng_)];
    return piece_request{i, *seed};
  }
  return best;
}

const std::string* piece_picker::best_holder(const pick_input& in, std::uint32_t i, double fallback_throughput) {
  const std::uint32_t per_parent = in.per_parent_limit;
  const std::uint32_t seed_limit = in.parents.size() > 1 ? seed_requests_with_peer_parents : per_parent;
  const auto asked = in.in_flight.find(i);
  const std::string* best = nullptr;
  double best_eta = std::numeric_limits<double>::max();
  for (const auto& [id, p] : in.parents) {
    if (!p.pieces.has(piece_index(i)) || p.in_flight >= (p.info.seed ? seed_limit : per_parent)) continue;
    if (asked != in.in_flight.end() && asked->second.contains(id)) continue;
    const double rate = p.throughput > 0 ? p.throughput : (fallback_throughput > 0 ? fallback_throughput : 1.0);
    // Time until it would have sent this piece too (it shares itself among our requests); a
    // non-seed parent wins a tie, leaving the seed's upload to what only it holds.
    const double eta = (p.in_flight + 1) / rate * (p.info.seed ? 1.0001 : 1.0);
    if (eta < best_eta) best = &id, best_eta = eta;
  }
  return best;
}

void note_held(bitfield& pieces, std::uint32_t piece, std::optional<std::uint32_t> piece_count) {
  const std::uint32_t limit = piece_count ? *piece_count : max_pieces_before_layout;
  if (piece >= limit) return;
  if (piece >= pieces.size()) pieces.resize(piece_count ? limit : piece + 1);
  pieces.set(piece_index(piece));
}

swarm_progress progress_beside_parents(const pick_input& in) {
  swarm_progress p;
  p.mine = in.verified.count();
  p.piece_count = in.piece_count.value_or(0);
  std::size_t held = 0;
  for (const auto& [id, parent] : in.parents)
    if (!parent.info.seed) ++p.parents, held += parent.pieces.count();
  if (p.parents > 0) p.parents_mean = static_cast<double>(held) / static_cast<double>(p.parents);
  return p;
}

}  // namespace df::daemon
