#pragma once
// The per-cluster limit on jobs created per second (429 beyond it). Per process: with several
// replicas behind one address each admits its own share.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace df::manager {

/// Counts job creations per scheduler cluster in one-second windows; used by the API on the
/// database thread only (no locking).
class job_rate_limit {
 public:
  explicit job_rate_limit(std::uint32_t per_second = 10) : per_second_(per_second) {}
  void set_limit(std::uint32_t per_second) { per_second_ = per_second; }
  /// True (and counted) when every cluster of `clusters` (empty = every cluster, counted as 0)
  /// has created fewer than the limit this second; false and nothing counted otherwise.
  bool admit(const std::vector<std::int64_t>& clusters, std::int64_t now_ms) {
    const std::int64_t second = now_ms / 1000;
    std::vector<std::int64_t> keys = clusters.empty() ? std::vector<std::int64_t>{0} : clusters;
    for (const auto k : keys) {
      auto& [window, count] = windows_[k];
      if (window != second) window = second, count = 0;
      if (count >= per_second_) return false;
    }
    for (const auto k : keys) ++windows_[k].second;
    if (windows_.size() > 10000) windows_.clear();  // bounded: ids come from the request
    return true;
  }

 private:
  std::uint32_t per_second_;
  std::map<std::int64_t, std::pair<std::int64_t, std::uint32_t>> windows_;  // cluster → (second, count)
};

}  // namespace df::manager
