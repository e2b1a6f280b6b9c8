#pragma once
// A notification that coroutines on one executor can wait for, with or without a timeout.

#include "net/asio.hpp"

#include <chrono>
#include <list>

namespace df::net {

/// Wakes every waiting coroutine on notify_all(). Single-threaded: waiters check their condition,
/// then wait; there is no lost wake-up because nothing runs between the check and the wait.
class async_event {
 public:
  explicit async_event(asio::any_io_executor ex) : ex_(std::move(ex)) {}
  async_event(const async_event&) = delete;
  async_event& operator=(const async_event&) = delete;

  /// Waits until notified or `timeout` passes; true when notified.
  awaitable<bool> wait_for(std::chrono::steady_clock::duration timeout);
  /// Wakes every current waiter.
  void notify_all();

 private:
  struct waiter {
    asio::steady_timer* timer;
    bool notified = false;
  };
  asio::any_io_executor ex_;
  std::list<waiter> waiters_;
};

}  // namespace df::net
