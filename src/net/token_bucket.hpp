#pragma once
// A token bucket for byte rate limits (host upload, host download, per task).

#include "net/asio.hpp"

#include <chrono>
#include <cstdint>

namespace df::net {

/// Lets `rate` bytes per second through on average with bursts up to `burst` bytes; rate 0 means
/// unlimited. Callers that take more than is available wait (the bucket goes into debt, so large
/// and small requests are served in order). Single-threaded, like its executor.
class token_bucket {
 public:
  token_bucket(asio::any_io_executor ex, std::uint64_t rate, std::uint64_t burst);

  /// Waits until `bytes` may pass.
  awaitable<void> acquire(std::uint64_t bytes);
  std::uint64_t rate() const { return rate_; }
  /// Changes the rate and burst from now on (0 = unlimited); callers already waiting keep their
  /// turn as computed at the old rate.
  void set_rate(std::uint64_t rate, std::uint64_t burst);

 private:
  void refill();

  asio::any_io_executor ex_;
  std::uint64_t rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace df::net
