#pragma once
// The tasks this daemon holds or is downloading, keyed by task ID; routes scheduler messages.

#include "daemon/peer_task.hpp"
#include "net/metrics.hpp"

#include <map>
#include <memory>
#include <string>

namespace df::daemon {

struct daemon_context;

/// Every peer_task of the daemon. Starts a task on first request (or again after a failure),
/// reloads complete tasks from the data directory at start-up. Owned by the daemon; runs on its
/// I/O thread.
class task_manager {
 public:
  explicit task_manager(daemon_context& ctx) : ctx_(ctx) {}

  /// Makes every complete task found in the data directory servable again; drops partial ones.
  void load_cached();
  /// The task for this ID, started now when it is not running or stored.
  result<std::shared_ptr<peer_task>> acquire(const std::string& task_id, task_request request, bool seed_role);
  /// The task, or nullptr.
  std::shared_ptr<peer_task> find(const std::string& task_id) const;
  /// Drops a completed task whose data file was written to since (peer_task::data_modified):
  /// it leaves the swarm and the next request fetches it afresh. True when it was dropped.
  bool drop_if_modified(const std::string& task_id);
  void on_scheduler_message(const net::proto::message& m);
  /// A scheduler connected or went away: every task whose scheduler changed re-announces itself.
  void on_schedulers_changed();
  std::size_t size() const { return tasks_.size(); }
  /// Bytes of the tasks held (their content lengths), as announced to the manager.
  std::uint64_t cached_bytes() const;

  /// Starts the cache GC (task_gc.cpp): every gc.interval, collect_garbage().
  void start_gc();
  /// Removes complete tasks nobody uses that are older than gc.task_ttl, then, when the cache is
  /// above quota × high_watermark, the least recently used idle ones down to quota × low_watermark.
  /// A task being downloaded, read or uploaded is never removed. `now` is unix seconds.
  void collect_garbage(std::int64_t now);
  /// A manager's delete_task: evicts the task unless it is in use (being downloaded, read or
  /// uploaded). Returns whether it was held, and why it was kept ("" = removed or not held).
  std::pair<bool, std::string> remove_for_job(const std::string& task_id);

 private:
  void finished(const std::string& task_id, bool ok);
  net::awaitable<void> gc_loop();
  void evict(const std::string& task_id, const char* why, net::metric& counter);

  daemon_context& ctx_;
  std::map<std::string, std::shared_ptr<peer_task>> tasks_;
  std::map<std::string, task_request> pending_seed_;  // seed triggers for held tasks under revalidation
};

}  // namespace df::daemon
