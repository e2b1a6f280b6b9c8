#pragma once
// A token bucket for byte rate limits (host upload, host download, per task).

#include "net/asio.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>

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
  /// Changes the rate and burst from now on (0 = unlimited). Callers already waiting keep their
  /// place in line and are woken to recompute their wait at the new rate (0 releases them).
  void set_rate(std::uint64_t rate, std::uint64_t burst);

 private:
  void refill();

  // Timers of the callers waiting now; set_rate cancels them so that each recomputes its wait.
  // Shared with the waiters, which unlist themselves even when destroyed after the bucket.
  std::shared_ptr<std::list<asio::steady_timer*>> waiting_ = std::make_shared<std::list<asio::steady_timer*>>();

  asio::any_io_executor ex_;
  std::uint64_t rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
  double refilled_ = 0;  // tokens added since construction: a waiter passes once it reaches its mark
};

}  // namespace df::net
