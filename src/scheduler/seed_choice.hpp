#pragma once
// Which seed peer a new task is sourced by, as a pure function: no I/O, no model, testable from a
// list of seeds (docs/scheduling.md, "Which seed sources a task").

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::scheduler {

/// A connected seed host that may be asked to source a task (not tried for it yet).
struct seed_candidate {
  std::string host_id;
  std::string idc;             // its idc label ("" = unknown)
  std::uint32_t sourcing = 0;  // tasks it is sourcing now (asked, or fetching and not done)
};

/// The seed chosen for a task, and whether it lies outside the requester's idc.
struct seed_pick {
  std::string host_id;
  bool outside_idc = false;  // the requester has an idc and the seed is not in it
};

/// The rendezvous (highest-random-weight) weight of `host_id` for `task_id`: a 64-bit hash of the
/// pair, the same in every process and build. The seed of highest weight sources the task, so a
/// task's choice does not depend on the other seeds, and a seed that leaves moves only its tasks.
std::uint64_t rendezvous_weight(std::string_view task_id, std::string_view host_id);

/// The seed to ask for `task_id`, or nothing when `seeds` is empty. In order: the seeds of
/// `requester_idc` below `max_tasks`, then any seed below `max_tasks`, each by highest rendezvous
/// weight; when every seed is at `max_tasks`, the least loaded (in the requester's idc on a tie,
/// then by weight). A seed is always chosen when there is one: capacity moves work, never refuses it.
std::optional<seed_pick> choose_seed(std::string_view task_id, const std::string& requester_idc,
                                     const std::vector<seed_candidate>& seeds, std::uint32_t max_tasks);

}  // namespace df::scheduler
