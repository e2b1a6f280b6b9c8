#include "scheduler/have_batcher.hpp"

namespace df::scheduler {

bool have_batcher::add(const std::string& host_id, const net::proto::have& m) {
  const bool was_empty = pending_.empty();
  auto& pieces = pending_[{host_id, m.task_id, m.peer_id, m.parent_peer_id}];
  pieces.insert(pieces.end(), m.pieces.begin(), m.pieces.end());
  return was_empty;
}

std::vector<std::pair<std::string, net::proto::have>> have_batcher::take() {
  std::vector<std::pair<std::string, net::proto::have>> out;
  out.reserve(pending_.size());
  for (auto& [key, pieces] : pending_) {
    auto& [host_id, task_id, peer_id, parent_id] = key;
    out.emplace_back(host_id, net::proto::have{task_id, peer_id, parent_id, std::move(pieces)});
  }
  pending_.clear();
  return out;
}

}  // namespace df::scheduler
