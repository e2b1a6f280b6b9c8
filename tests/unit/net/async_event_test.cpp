#include "net/async_event.hpp"
#include "net/token_bucket.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <gtest/gtest.h>

#include <optional>

namespace df::net {
namespace {

// Runs every handler that is ready now, without waiting for any timer.
void run_ready(asio::io_context& io) {
  io.restart();
  io.poll();
}

// Starts a coroutine that waits on `ev` for `timeout` and stores the outcome in `got`.
void start_waiter(asio::io_context& io, async_event& ev, std::chrono::steady_clock::duration timeout,
                  std::optional<bool>& got) {
  asio::co_spawn(io, [&ev, &got, timeout]() -> awaitable<void> { got = co_await ev.wait_for(timeout); },
                 asio::detached);
}

constexpr auto long_time = std::chrono::hours(1);  // never reached by these tests

TEST(async_event, a_waiter_is_released_by_notify_and_not_before) {
  asio::io_context io;
  async_event ev(io.get_executor());
  std::optional<bool> got;
  start_waiter(io, ev, long_time, got);
  run_ready(io);
  EXPECT_FALSE(got);  // waiting
  run_ready(io);
  EXPECT_FALSE(got);  // still waiting: nothing but notify_all (or the timeout) ends it
  ev.notify_all();
  run_ready(io);
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got);
}

TEST(async_event, notify_wakes_every_current_waiter_once) {
  asio::io_context io;
  async_event ev(io.get_executor());
  std::optional<bool> got[3];
  for (auto& g : got) start_waiter(io, ev, long_time, g);
  run_ready(io);
  ev.notify_all();
  ev.notify_all();  // a second notify before they run changes nothing
  run_ready(io);
  for (const auto& g : got) {
    ASSERT_TRUE(g);
    EXPECT_TRUE(*g);
  }
}

TEST(async_event, a_notify_before_the_wait_is_not_remembered) {
  asio::io_context io;
  async_event ev(io.get_executor());
  ev.notify_all();  // nobody waits: no effect
  std::optional<bool> got;
  start_waiter(io, ev, long_time, got);
  run_ready(io);
  EXPECT_FALSE(got);
  ev.notify_all();
  run_ready(io);
  ASSERT_TRUE(got);
  EXPECT_TRUE(*got);
}

TEST(async_event, timeout_reports_not_notified_and_leaves_other_waiters_waiting) {
  asio::io_context io;
  async_event ev(io.get_executor());
  std::optional<bool> short_wait, long_wait;
  start_waiter(io, ev, std::chrono::milliseconds(1), short_wait);
  start_waiter(io, ev, long_time, long_wait);
  while (!short_wait && io.run_one_for(std::chrono::seconds(5)) > 0) {
  }
  ASSERT_TRUE(short_wait);
  EXPECT_FALSE(*short_wait);  // timed out
  run_ready(io);
  EXPECT_FALSE(long_wait);
  ev.notify_all();  // the timed-out waiter is gone; the other one is woken
  run_ready(io);
  ASSERT_TRUE(long_wait);
  EXPECT_TRUE(*long_wait);
  EXPECT_FALSE(*short_wait);
}

TEST(async_event, a_cancelled_wait_ends_at_once_as_not_notified) {
  asio::io_context io;
  async_event ev(io.get_executor());
  asio::cancellation_signal cancel;
  std::optional<bool> cancelled, other;
  asio::co_spawn(io, [&]() -> awaitable<void> { cancelled = co_await ev.wait_for(long_time); },
                 asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  start_waiter(io, ev, long_time, other);
  run_ready(io);
  cancel.emit(asio::cancellation_type::terminal);
  run_ready(io);
  ASSERT_TRUE(cancelled);
  EXPECT_FALSE(*cancelled);
  EXPECT_FALSE(other);  // the other waiter is not disturbed
  ev.notify_all();
  run_ready(io);
  ASSERT_TRUE(other);
  EXPECT_TRUE(*other);
}

TEST(token_bucket, unlimited_and_burst_do_not_wait) {
  asio::io_context io;
  token_bucket unlimited(io.get_executor(), 0, 0);
  token_bucket limited(io.get_executor(), 1000, 1 << 20);
  int done = 0;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await unlimited.acquire(1ull << 40);
    co_await limited.acquire(1 << 20);  // within the burst
    ++done;
  }, asio::detached);
  // Both complete in one poll: neither may have armed a timer.
  io.poll();
  EXPECT_EQ(done, 1);
}

TEST(token_bucket, debt_makes_the_caller_wait) {
  asio::io_context io;
  token_bucket limited(io.get_executor(), 1000, 1000);
  bool done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await limited.acquire(1000);
    co_await limited.acquire(1000);  // one second of debt
    done = true;
  }, asio::detached);
  io.poll();
  EXPECT_FALSE(done);  // still waiting for tokens
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(done);
}

TEST(token_bucket, set_rate_wakes_a_waiter_and_its_wait_is_recomputed) {
  asio::io_context io;
  token_bucket limited(io.get_executor(), 1, 1);  // one byte a second
  bool done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await limited.acquire(1);
    co_await limited.acquire(1 << 20);  // twelve days at this rate
    done = true;
  }, asio::detached);
  io.poll();
  EXPECT_FALSE(done);
  limited.set_rate(8 << 20, 8 << 20);  // the debt is now paid in an eighth of a second
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(done);
}

TEST(token_bucket, going_unlimited_releases_waiters_at_once) {
  asio::io_context io;
  token_bucket limited(io.get_executor(), 1, 1);
  int done = 0;
  for (int i = 0; i < 2; ++i)
    asio::co_spawn(io, [&]() -> awaitable<void> {
      co_await limited.acquire(1 << 20);
      ++done;
    }, asio::detached);
  io.poll();
  EXPECT_EQ(done, 0);
  limited.set_rate(0, 0);
  io.poll();  // no timer needed
  EXPECT_EQ(done, 2);
}

}  // namespace
}  // namespace df::net
