#include "net/async_event.hpp"

namespace df::net {

awaitable<bool> async_event::wait_for(std::chrono::steady_clock::duration timeout) {
  asio::steady_timer timer(ex_, timeout);
  auto it = waiters_.insert(waiters_.end(), waiter{&timer});
  struct unlink {
    std::list<waiter>& list;
    std::list<waiter>::iterator it;
    ~unlink() { list.erase(it); }
  } guard{waiters_, it};
  co_await timer.async_wait(use_nothrow);
  co_return it->notified;
}

void async_event::notify_all() {
  for (auto& w : waiters_) {
    if (w.notified) continue;
    w.notified = true;
    w.timer->cancel();
  }
}

}  // namespace df::net
