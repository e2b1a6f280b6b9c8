#include "daemon/job_handler.hpp"

#include "core/ids.hpp"
#include "core/url.hpp"
#include "daemon/context.hpp"
#include "daemon/task_manager.hpp"

#include <spdlog/spdlog.h>

namespace df::daemon {

namespace proto = net::proto;

namespace {
constexpr auto job_progress_interval = std::chrono::seconds(1);
}  // namespace

void job_handler::handle(const proto::message& m, scheduler_router::reply_fn reply) {
  if (const auto* d = std::get_if<proto::delete_task>(&m)) {
    auto [held, error] = tasks_.remove_for_job(d->task_id);
    if (held) spdlog::info("task {}: job delete_task: {}", d->task_id, error.empty() ? "removed" : error);
    reply(proto::task_deleted{d->task_id, held, error});
    return;
  }
  if (const auto* p = std::get_if<proto::preheat>(&m))
    net::asio::co_spawn(ctx_.ex, preheat(*p, std::move(reply)), net::asio::detached);
}

net::awaitable<void> job_handler::preheat(proto::preheat order, scheduler_router::reply_fn reply) {
  const auto started = std::chrono::steady_clock::now();
  proto::preheat_done done{order.task_id, 0, 0, {}, {}};
  // The scheduler names the task; it must be the one the URL and filters make (as dfget's, or
  // for a registry blob the content task the registry mirror uses).
  if (!parse_url(order.url)) done.error = "invalid URL";
  else if (job_task_id({order.url, order.tag, order.application, order.filters}) != order.task_id)
    done.error = "the task ID does not match the URL";
  if (!done.error.empty()) {
    reply(done);
    co_return;
  }
  task_request request{order.url, order.headers, order.tag, order.application, order.filters, false};
  if (order.task_id == content_task_id(registry_blob_digest(order.url)))
    request.digest = registry_blob_digest(order.url);  // content-addressed: the bytes must match it
  auto acquired = tasks_.acquire(order.task_id, std::move(request), ctx_.cfg.seed_peer);
  if (!acquired) {
    done.error = "cannot start task: " + acquired.error().message();
    reply(done);
    co_return;
  }
  std::shared_ptr<peer_task> task = *acquired;  // held: the GC leaves a task in use alone
  task->touch();
  const bool cached = task->state() == peer_task::phase::done;
  // peer_task reports done only once its completion is saved: the preheat is durable when it does.
  while (task->state() == peer_task::phase::running) co_await task->changed().wait_for(job_progress_interval);
  done.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (task->state() == peer_task::phase::failed) {
    done.error = task->error().error_type + ": " + task->error().message;
  } else {
    done.bytes = static_cast<std::uint64_t>(task->meta().content_length.value_or(0));
    done.source = cached ? "cache" : task->sources().from_origin > 0 ? "origin" : "peers";
  }
  spdlog::info("task {}: job preheat {} in {} ms{}", order.task_id,
               done.error.empty() ? "done" : "failed", done.duration_ms, done.error.empty() ? "" : ": " + done.error);
  reply(done);
}

}  // namespace df::daemon
