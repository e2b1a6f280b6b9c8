#pragma once
// The peer engine's choice of the next piece to request and the parent to ask, as a pure decision
// over what the peer knows (peer_task books the request and starts the fetch).

#include "core/bitfield.hpp"
#include "daemon/fair_share.hpp"
#include "net/scheduler_protocol.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace df::daemon {

/// One parent as the peer engine knows it: where to fetch, what it holds, what we asked of it and
/// how fast it has delivered; owned by peer_task, read by the picker.
struct parent_state {
  net::proto::parent_info info;
  bitfield pieces;  // what it holds, as far as we have been told
  std::uint32_t in_flight = 0;
  double throughput = 0;  // bytes/s it has delivered to us lately (moving average); 0 = not known yet
};

/// Parents by peer ID.
using parent_map = std::map<std::string, parent_state>;
/// Pieces requested and not yet delivered → the parents asked for each.
using in_flight_map = std::map<std::uint32_t, std::set<std::string>>;

/// What the peer knows when it chooses: a view of peer_task's state, valid for one call.
struct pick_input {
  std::optional<std::uint32_t> piece_count;  // nothing until the task's layout is known
  const bitfield& verified;                  // pieces stored and verified here
  const std::vector<std::string>& digests;   // by piece number; "" = not known yet (not fetchable)
  const in_flight_map& in_flight;
  const parent_map& parents;
  std::uint32_t per_parent_limit = 2;  // requests in flight to one parent (download.per_parent_pieces)
  std::uint64_t generation = 0;        // changes whenever a verified piece was dropped (peer_task::generation_)
};

/// A request to start: which piece, from which parent.
struct piece_request {
  std::uint32_t piece = 0;
  std::string parent_id;
  bool operator==(const piece_request&) const = default;
};

/// Chooses the next piece and parent for one peer_task: rarest first among the non-seed parents,
/// ties broken from this peer's starting point; what only the seed holds from the seed (a random
/// such piece); in the endgame a second parent for a piece already asked for. Owns only the
/// starting point and the random source, so two peers with the same input spread out.
class piece_picker {
 public:
  /// `start`: where this peer begins among equally rare pieces; `seed`: its random source.
  piece_picker(std::uint32_t start, std::uint32_t seed) : start_(start), rng_(seed) {}

  /// The next request to start, or nothing when none should start now (layout unknown, nothing
  /// fetchable, or every holder of what is left at its request limit). Called by peer_task each
  /// time a request slot is free.
  std::optional<piece_request> pick(const pick_input& in);

  /// The parent to ask for piece `i`: the holder that should deliver it soonest given what it is
  /// already sending us and how fast it has been (an untried parent counts as
  /// `fallback_throughput`); the seed counts like any holder but loses a tie. Nothing when every
  /// holder is at its request limit or was already asked for `i`.
  static const std::string* best_holder(const pick_input& in, std::uint32_t i, double fallback_throughput);

 private:
  std::uint32_t start_;
  std::mt19937 rng_;
  std::uint32_t skip_ = 0;  // pieces from start_ on known to be verified: a scan begins after them
  std::uint64_t skip_generation_ = 0;  // the input's generation skip_ was counted in
};

/// Records that a parent holds `piece`: ignored past the piece count once the layout is known,
/// and past a bound before that (the set grows), so that a bogus number costs no memory.
void note_held(bitfield& pieces, std::uint32_t piece, std::optional<std::uint32_t> piece_count);

/// What this peer holds beside what its non-seed parents hold (the input of fair_share_limit).
swarm_progress progress_beside_parents(const pick_input& in);

}  // namespace df::daemon
