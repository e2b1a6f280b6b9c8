// The cache's garbage collection: part of task_manager, in its own file.
#include "daemon/context.hpp"
#include "daemon/scheduler_router.hpp"
#include "daemon/task_manager.hpp"
#include "storage/task_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

namespace df::daemon {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void task_manager::start_gc() {
  net::asio::co_spawn(ctx_.ex, gc_loop(), net::asio::detached);
}

net::awaitable<void> task_manager::gc_loop() {
  net::asio::steady_timer timer(ctx_.ex);
  for (;;) {
    timer.expires_after(ctx_.cfg.gc.interval);
    const auto [ec] = co_await timer.async_wait(net::use_nothrow);
    if (ec) co_return;
    collect_garbage(unix_now());
    ctx_.stats.gc_runs.add();
  }
}

void task_manager::collect_garbage(std::int64_t now) {
  const auto ttl = std::chrono::duration_cast<std::chrono::seconds>(ctx_.cfg.gc.task_ttl).count();
  // Idle: complete and referenced only by this map (no reader, no upload, no save in flight).
  const auto idle = [](const std::shared_ptr<peer_task>& t) {
    return t->state() == peer_task::phase::done && t.use_count() == 1;
  };
  std::vector<std::string> expired;
  for (const auto& [id, task] : tasks_)
    if (idle(task) && now - task->meta().last_access_unix > ttl) expired.push_back(id);
  for (const auto& id : expired) evict(id, "unused for longer than gc.task_ttl", ctx_.stats.evicted_ttl);
  for (const auto& id : ctx_.store.loaded_ids()) {  // unfinished downloads nobody came back for
    const auto* m = ctx_.store.peek(id);
    if (m && now - m->last_access_unix > ttl) {
      spdlog::info("task {}: gc removes it, unfinished and unused for longer than gc.task_ttl", id);
      ctx_.store.remove(id);
      ctx_.stats.evicted_ttl.add();
    }
  }

  const std::uint64_t quota = ctx_.cfg.gc.quota;
  if (quota == 0) return;
  std::uint64_t used = 0;
  for (const auto& [id, task] : tasks_) used += task->meta().content_length.value_or(0);
  if (static_cast<double>(used) <= ctx_.cfg.gc.high_watermark * static_cast<double>(quota)) return;
  std::vector<std::pair<std::int64_t, std::string>> candidates;  // (last access, id): oldest first
  for (const auto& [id, task] : tasks_)
    if (idle(task)) candidates.emplace_back(task->meta().last_access_unix, id);
  std::sort(candidates.begin(), candidates.end());
  const double target = ctx_.cfg.gc.low_watermark * static_cast<double>(quota);
  for (const auto& [access, id] : candidates) {
    if (static_cast<double>(used) <= target) break;
    used -= tasks_.at(id)->meta().content_length.value_or(0);
    evict(id, "the cache is over its quota", ctx_.stats.evicted_quota);
  }
  if (static_cast<double>(used) > target)
    spdlog::warn("gc: cache holds {} bytes, over its target of {:.0f}; the rest is in use", used, target);
}

std::pair<bool, std::string> task_manager::remove_for_job(const std::string& task_id) {
  const auto it = tasks_.find(task_id);
  if (it == tasks_.end()) {
    const bool partial = ctx_.store.peek(task_id) != nullptr;  // an unfinished download nobody resumed
    if (partial) ctx_.store.remove(task_id);
    return {partial, {}};
  }
  if (it->second->state() != peer_task::phase::done || it->second.use_count() > 1)
    return {true, "in use (being downloaded, read or uploaded); kept"};
  evict(task_id, "deleted by a manager job", ctx_.stats.evicted_by_job);
  return {true, {}};
}

bool task_manager::drop_if_modified(const std::string& task_id) {
  const auto it = tasks_.find(task_id);
  if (it == tasks_.end() || !it->second->data_modified()) return false;
  spdlog::warn("task {}: its data file {} was modified after it completed (a hard-linked output edited in "
               "place?); dropping it from the cache", task_id, ctx_.store.data_path(task_id).string());
  evict(task_id, "modified after completing", ctx_.stats.evicted_modified);
  return true;
}

void task_manager::evict(const std::string& task_id, const char* why, net::metric& counter) {
  const auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return;
  spdlog::info("task {}: gc evicts it ({} bytes): {}", task_id,
               it->second->meta().content_length.value_or(0), why);
  ctx_.scheduler.send(net::proto::leave_peer{task_id, it->second->peer_id()});
  tasks_.erase(it);
  ctx_.scheduler.forget(task_id);
  ctx_.store.remove(task_id);
  counter.add();
}

}  // namespace df::daemon
