#include "net/async_event.hpp"
#include "net/token_bucket.hpp"

#include <gtest/gtest.h>

namespace df::net {
namespace {

TEST(async_event, notify_wakes_every_waiter) {
  asio::io_context io;
  async_event ev(io.get_executor());
  int woken = 0;
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(io, [&]() -> awaitable<void> { woken += co_await ev.wait_for(std::chrono::seconds(30)); }, asio::detached);
  asio::co_spawn(io, [&]() -> awaitable<void> { ev.notify_all(); co_return; }, asio::detached);
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(woken, 3);
}

TEST(async_event, timeout_reports_not_notified) {
  asio::io_context io;
  async_event ev(io.get_executor());
  std::optional<bool> got;
  asio::co_spawn(io, [&]() -> awaitable<void> { got = co_await ev.wait_for(std::chrono::milliseconds(1)); }, asio::detached);
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
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

}  // namespace
}  // namespace df::net
