#pragma once
// How many pieces a peer keeps in flight, from how far it is ahead of or behind its parents.

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace df::daemon {

/// A peer's progress beside its (non-seed) parents', the input of fair_share_limit.
struct swarm_progress {
  std::uint32_t mine = 0;          // pieces this peer holds
  double parents_mean = 0;         // pieces its non-seed parents hold, on average
  std::size_t parents = 0;         // how many non-seed parents that mean is over
  std::uint32_t piece_count = 0;   // pieces in the task
};

/// Requests in flight for a peer whose configured number is `base`: three quarters of it while
/// the peer is clearly ahead of its parents, one and a half times it while clearly behind, `base`
/// otherwise. An uplink is shared among the requests it serves, so a peer with more requests out
/// gets a larger share: this shifts the swarm's upload towards the peers that are behind, so that
/// all finish at about the same time rather than some early and the rest in a long tail.
/// "Clearly" means by more than 2 % of the task (at least 4 pieces).
inline std::size_t fair_share_limit(std::size_t base, const swarm_progress& p) {
  if (p.parents == 0 || p.piece_count == 0) return base;
  const double slack = std::max(4.0, 0.02 * p.piece_count);
  if (p.mine > p.parents_mean + slack) return std::max<std::size_t>(base * 3 / 4, 1);
  if (p.mine + slack < p.parents_mean) return base + base / 2;
  return base;
}

}  // namespace df::daemon
