#pragma once
// The daemon's side of the manager's jobs: `preheat` (fetch a task into the cache as dfget would,
// through the swarm, without an output file) and `delete_task` (evict it unless it is in use).

#include "daemon/scheduler_router.hpp"
#include "net/asio.hpp"
#include "net/scheduler_protocol.hpp"

namespace df::daemon {

struct daemon_context;
class task_manager;

/// Runs the job orders schedulers send and answers each to the scheduler that sent it. Owned by
/// the daemon; runs on its I/O thread.
class job_handler {
 public:
  job_handler(daemon_context& ctx, task_manager& tasks) : ctx_(ctx), tasks_(tasks) {}

  /// A preheat or delete_task from a scheduler; `reply` sends the answer back to it.
  void handle(const net::proto::message& m, scheduler_router::reply_fn reply);

 private:
  net::awaitable<void> preheat(net::proto::preheat order, scheduler_router::reply_fn reply);

  daemon_context& ctx_;
  task_manager& tasks_;
};

}  // namespace df::daemon
