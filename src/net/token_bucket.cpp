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
  const double added = std::min(burst_ - tokens_, elapsed * static_cast<double>(rate_));
  if (added <= 0) return;
  tokens_ += added;
  refilled_ += added;
}

void token_bucket::set_rate(std::uint64_t rate, std::uint64_t burst) {
  refill();
  rate_ = rate;
  burst_ = static_cast<double>(std::max<std::uint64_t>(burst, 1));
  tokens_ = rate == 0 ? burst_ : std::min(tokens_, burst_);  // unlimited: no debt carried over
  for (asio::steady_timer* timer : *waiting_) timer->cancel();
}

awaitable<void> token_bucket::acquire(std::uint64_t bytes) {
  if (rate_ == 0) co_return;
  refill();
  tokens_ -= static_cast<double>(bytes);
  if (tokens_ >= 0) co_return;
  // Paid for once the bucket has refilled the debt as it stands now (later callers queue behind).
  const double mark = refilled_ - tokens_;
  asio::steady_timer timer(ex_);
  waiting_->push_front(&timer);
  struct unlist {
    std::shared_ptr<std::list<asio::steady_timer*>> list;
    std::list<asio::steady_timer*>::iterator it;
    ~unlist() { list->erase(it); }
  } guard{waiting_, waiting_->begin()};
  constexpr double rounding = 0.5;  // bytes: a timer rounded down to its tick does not spin
  for (refill(); rate_ != 0 && refilled_ + rounding < mark; refill()) {
    const double wait_seconds = (mark - refilled_) / static_cast<double>(rate_);
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(wait_seconds)));
    co_await timer.async_wait(use_nothrow);  // cancelled by set_rate: recompute at the new rate
  }
}

}  // namespace df::net
