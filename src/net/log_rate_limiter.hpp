#pragma once
// Rate-limited logging for conditions a hostile or broken peer can trigger at will (one line per
// interval, with how many were left out), so an attack cannot fill the disk with log lines.

#include <chrono>
#include <cstdint>

namespace df::net {

/// Lets one log line through per interval and counts the rest. Owned by the component that logs;
/// single-threaded like its executor.
class log_rate_limiter {
 public:
  explicit log_rate_limiter(std::chrono::steady_clock::duration interval) : interval_(interval) {}

  /// True when a line may be logged now; otherwise the line is counted as suppressed.
  bool allow(std::chrono::steady_clock::time_point now) {
    if (logged_once_ && now - last_ < interval_) {
      ++suppressed_;
      return false;
    }
    logged_once_ = true;
    last_ = now;
    return true;
  }
  /// Lines left out since the last one let through; resets the count.
  std::uint64_t take_suppressed() {
    const auto n = suppressed_;
    suppressed_ = 0;
    return n;
  }

 private:
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_{};
  bool logged_once_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace df::net
