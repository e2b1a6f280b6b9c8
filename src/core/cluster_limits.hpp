#pragma once
// Bounds of a scheduler cluster's config: the manager refuses a config outside them (400) and
// schedulers and daemons refuse to apply one (a manager of another version, or a tampered answer).

#include <cstdint>

namespace df::cluster_limits {

inline constexpr std::uint32_t min_candidate_parents = 1;  // parents a peer downloads from at once
inline constexpr std::uint32_t max_candidate_parents = 20;
inline constexpr std::uint32_t min_filter_parents = 1;  // candidates a scheduler samples per choice
inline constexpr std::uint32_t max_filter_parents = 1000;
/// The lowest peer upload/download rate limit in bytes/s (0 = unlimited is also accepted): below
/// it a single piece would take minutes and transfers would look hung.
inline constexpr std::uint64_t min_peer_rate_limit = 64 * 1024;

/// True when `rate` (bytes/s) is 0 (unlimited) or at least min_peer_rate_limit.
constexpr bool valid_peer_rate_limit(std::uint64_t rate) { return rate == 0 || rate >= min_peer_rate_limit; }

}  // namespace df::cluster_limits
