#include "net/token_bucket.hpp"

#include <algorithm>

namespace df::net {

token_bucket::token_bucket(asio::any_io_executor ex, std::uint64_t rate, std::uint64_t burst)
    : ex_(std::move(ex)),
      rate_(rate),
      burst_(static_cast<double>(std::max<std::uint64_t>(burst, 1))),
      tokens_(burst_),
      last_(std::chrono::steady_clock::now()) {}

void token_bucket::refill() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * static_cast<double>(rate_));
}

void token_bucket::set_rate(std::uint64_t rate, std::uint64_t burst) {
  refill();
  rate_ = rate;
  burst_ = static_cast<double>(std::max<std::uint64_t>(burst, 1));
  tokens_ = std::min(tokens_, burst_);
}

awaitable<void> token_bucket::acquire(std::uint64_t bytes) {
  if (rate_ == 0) co_return;
  refill();
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) co_return;
  const double wait_seconds = -tokens_ / static_cast<double>(rate_);
  asio::steady_timer timer(ex_, std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(wait_seconds)));
  co_await timer.async_wait(use_nothrow);
}

}  // namespace df::net
