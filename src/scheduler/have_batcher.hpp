#pragma once
// Merges the `have` messages the swarm sends during one burst of work: a parent reporting several
// pieces at once costs each of its children one message instead of one per piece.

#include "net/scheduler_protocol.hpp"

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace df::scheduler {

/// Pending `have`s by (host, task, peer, parent). Owned by the scheduler service, which flushes it
/// once the messages that produced them have been handled.
class have_batcher {
 public:
  /// Queues `m` for `host_id`; true when the batcher was empty (the caller schedules a flush).
  bool add(const std::string& host_id, const net::proto::have& m);
  /// Every pending message, one per (host, task, peer, parent) with all its pieces in the order
  /// they were added; the batcher is empty afterwards.
  std::vector<std::pair<std::string, net::proto::have>> take();

 private:
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<net::proto::piece_entry>>
      pending_;
};

}  // namespace df::scheduler
