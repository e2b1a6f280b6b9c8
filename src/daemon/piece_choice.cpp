// The peer engine's choices: which piece to ask for next and of which parent (piece_picker over
// this task's state), and what each parent has delivered lately (methods of peer_task).

#include "daemon/context.hpp"
#include "daemon/peer_task.hpp"

#include <algorithm>

namespace df::daemon {

std::optional<std::uint32_t> peer_task::piece_count() const {
  if (!meta_.content_length) return std::nullopt;
  return meta_.layout().piece_count();
}

pick_input peer_task::picker_input() const {
  return {piece_count(), meta_.verified, meta_.piece_digests, in_flight_, parents_,
          ctx_.cfg.download.per_parent_pieces, generation_};
}

std::optional<piece_request> peer_task::pick() {
  if (phase_ != phase::running) return std::nullopt;
  return picker_.pick(picker_input());
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
