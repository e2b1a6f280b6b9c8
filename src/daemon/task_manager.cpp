#include "daemon/task_manager.hpp"

#include "core/url.hpp"
#include "daemon/access_cache.hpp"
#include "daemon/cluster_policy.hpp"
#include "daemon/context.hpp"
#include "daemon/scheduler_router.hpp"
#include "storage/task_store.hpp"

#include <spdlog/spdlog.h>

namespace df::daemon {

namespace proto = net::proto;

void task_manager::load_cached() {
  std::size_t kept = 0;
  for (const auto& id : ctx_.store.loaded_ids()) {
    if (const auto* partial = ctx_.store.peek(id); partial && !partial->complete) continue;  // resumed on request
    auto meta = ctx_.store.take(id);
    auto file = ctx_.store.open_file(id);
    if (!meta || !file) {
      ctx_.store.remove(id);
      continue;
    }
    task_request request{meta->url, {}, meta->tag, meta->application, meta->filters, false};
    request.digest = meta->digest;
    auto task = std::make_shared<peer_task>(ctx_, id, std::move(request), std::move(*meta),
                                            std::make_shared<storage::task_file>(std::move(*file)), false,
                                            [this](const std::string& t, bool ok) { finished(t, ok); });
    tasks_.emplace(id, task);
    task->start();
    ++kept;
  }
  if (kept) spdlog::info("reloaded {} complete tasks from {}", kept, ctx_.cfg.data_dir);
}

result<std::shared_ptr<peer_task>> task_manager::acquire(const std::string& task_id, task_request request,
                                                         bool seed_role) {
  // A cached copy written to since it completed (say, a hard-linked output edited in place) is
  // dropped and fetched afresh rather than handed out, whoever asks (dfget, the proxy, the seed).
  drop_if_modified(task_id);
  if (ctx_.policy) {
    if (auto admitted = ctx_.policy->admit(task_id, request.url, request.tag, request.application); !admitted)
      return admitted.error();
  }
  const bool credentials = carries_credentials(request.headers, request.url, request.filters);
  if (auto it = tasks_.find(task_id); it != tasks_.end()) {
    if (credentials) it->second->note_credentialed();
    return it->second;
  }
  // A download interrupted by a restart resumes with the pieces it had verified.
  auto stored = ctx_.store.take(task_id);
  const bool resume = stored && stored->content_length && stored->piece_size;
  if (!resume) {
    if (auto r = ctx_.store.prepare(task_id); !r) return r.error();
  }
  auto file = ctx_.store.open_file(task_id);
  if (!file) return file.error();
  storage::task_metadata meta;
  if (resume) {
    meta = std::move(*stored);
    spdlog::info("task {}: resuming with {} of {} pieces already verified", task_id,
                 meta.verified.count(), meta.verified.size());
  }
  meta.task_id = task_id;
  meta.url = strip_userinfo(request.url);  // a URL's password is not written to disk
  meta.tag = request.tag;
  meta.application = request.application;
  meta.filters = request.filters;
  meta.digest = request.digest;
  meta.credentialed = meta.credentialed || credentials;  // later local requesters are checked (local_api)
  auto task = std::make_shared<peer_task>(ctx_, task_id, std::move(request), std::move(meta),
                                          std::make_shared<storage::task_file>(std::move(*file)), seed_role,
                                          [this](const std::string& t, bool ok) { finished(t, ok); });
  tasks_.emplace(task_id, task);
  task->start();
  return task;
}

std::shared_ptr<peer_task> task_manager::find(const std::string& task_id) const {
  const auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : it->second;
}

void task_manager::on_scheduler_message(const proto::message& m) {
  if (const auto* seed = std::get_if<proto::seed_task>(&m)) {
    task_request request{seed->url, seed->headers, seed->tag, seed->application, seed->filters, false};
    request.digest = seed->digest;
    auto task = acquire(seed->task_id, std::move(request), true);
    if (!task) spdlog::error("task {}: cannot start as a seed task: {}", seed->task_id, task.error().message());
    else if ((*task)->state() == peer_task::phase::done) {
      // Already held: announce it (after the revalidation policy). Should the copy turn out stale,
      // finished() fetches it afresh, as the scheduler asked.
      pending_seed_[seed->task_id] = request;
      (*task)->on_scheduler_state(true);
    }
    return;
  }
  std::visit(
      [&](const auto& v) {
        if constexpr (requires { v.task_id; v.peer_id; }) {
          const auto task = find(v.task_id);
          if (task && task->peer_id() == v.peer_id) task->handle(m);
        }
      },
      m);
}

std::uint64_t task_manager::cached_bytes() const {
  std::uint64_t total = 0;
  for (const auto& [id, task] : tasks_) total += task->meta().content_length.value_or(0);
  return total;
}

void task_manager::on_schedulers_changed() {
  // A task whose scheduler changed announces what it holds there (the new one knows nothing of
  // it), or learns it has none for now. The router logs the change once for all of them.
  for (const auto& [id, task] : tasks_)
    if (ctx_.scheduler.reassign(id)) task->on_scheduler_state(ctx_.scheduler.connected(id));
}

void task_manager::finished(const std::string& task_id, bool ok) {
  const auto pending = pending_seed_.extract(task_id);
  if (ok) return;
  tasks_.erase(task_id);      // the next request starts afresh; readers keep their reference
  ctx_.scheduler.forget(task_id);
  ctx_.store.remove(task_id);  // never keep unverified or partial data
  if (pending) {
    if (auto fresh = acquire(task_id, pending.mapped(), true); !fresh)
      spdlog::error("task {}: cannot start again as a seed task: {}", task_id, fresh.error().message());
  }
}

}  // namespace df::daemon
