#pragma once
// Consistent hashing of task IDs onto the daemon's schedulers, so that every daemon sends a task's
// messages to the same scheduler (see docs/scheduling.md, "Several schedulers").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace df::daemon {

/// A hash ring of scheduler addresses, each placed at `virtual_nodes` points (the first 8 bytes of
/// sha256("<address>#<i>")); a key belongs to the first point at or after sha256(key) on the ring.
/// Depends only on the set of addresses, not on their order, so daemons configured with the same
/// addresses in any order agree. Immutable after construction; pure (no I/O).
class scheduler_ring {
 public:
  static constexpr std::size_t default_virtual_nodes = 100;
  /// What a daemon knows of its connection to a member.
  enum class link { untried, up, down };

  /// `addresses` as configured; a repeated address counts once (members() keeps the first).
  explicit scheduler_ring(const std::vector<std::string>& addresses,
                          std::size_t virtual_nodes = default_virtual_nodes);

  /// The distinct addresses, in configured order; indexes returned below point into this.
  const std::vector<std::string>& members() const { return members_; }
  /// Every member once, in the order the ring meets them walking from the key's point: the first
  /// is the key's owner, the next takes over when the owner is down, and so on.
  std::vector<std::size_t> preference(std::string_view key) const;
  /// The key's owner among the members (preference(key).front()); the ring is never empty of
  /// points unless there are no members, which the caller must not ask about.
  std::size_t owner(std::string_view key) const;
  /// Where the key's messages go given each member's link (indexed like members()): the first
  /// member in preference order that is up, skipping those down; nullopt when none is up, or when
  /// a member not yet tried comes first (it may be up in a moment: waiting beats splitting a swarm).
  std::optional<std::size_t> live_owner(std::string_view key, const std::vector<link>& links) const;

 private:
  /// The index of the first point at or after the key's position (points_.size() when past the last).
  std::size_t first_point(std::string_view key) const;

  std::vector<std::string> members_;
  std::vector<std::pair<std::uint64_t, std::size_t>> points_;  // (position, member), sorted
};

}  // namespace df::daemon
