#include "scheduler/job_runner.hpp"

#include "core/ids.hpp"
#include "core/url.hpp"
#include "scheduler/job_targets.hpp"
#include "scheduler/swarm.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::scheduler {

namespace proto = net::proto;
using net::awaitable;

namespace {

constexpr const char* host_left = "host left: connection closed";
constexpr const char* no_feature = "host does not run jobs (its dfdaemon does not list the jobs feature)";

std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

std::string task_of(const proto::job_request& r, const std::string& url) {
  return job_task_id({url, r.tag, r.application, r.filters});
}

}  // namespace

/// One running job: its items, their results and the timer that ends the wait.
struct job_runner::job_state {
  explicit job_state(net::asio::any_io_executor ex) : timer(std::move(ex)) {}
  std::vector<item> items;
  std::vector<proto::job_host> hosts;  // by item
  std::vector<bool> held;              // by item: delete_task found the task there
  std::size_t next = 0;                // the first item not sent yet
  std::size_t in_flight = 0;
  std::size_t remaining = 0;
  std::size_t window = 1;
  net::asio::steady_timer timer;
};

job_runner::job_runner(net::asio::any_io_executor ex, const swarm& sw, send_fn send,
                       std::chrono::milliseconds default_timeout)
    : ex_(std::move(ex)), sw_(sw), send_(std::move(send)), default_timeout_(default_timeout) {}

proto::job_host job_runner::describe(const std::string& host_id, const std::string& url) const {
  proto::job_host h;
  if (const auto it = sw_.hosts().find(host_id); it != sw_.hosts().end()) {
    h.hostname = it->second.info.hostname;
    h.ip = it->second.info.ip;
  }
  h.url = url;
  return h;
}

awaitable<proto::job_result> job_runner::run(proto::job_request request) {
  proto::job_result out;
  out.job_id = request.job_id;
  if (request.job == "preheat") {
    if (!known_scope(request.scope)) {
      out.error = "unknown scope \"" + request.scope + "\"";
      co_return out;
    }
    std::vector<proto::job_host> hosts;
    auto items = preheat_items(request, hosts, out.error);
    if (!out.error.empty()) co_return out;
    co_return co_await run_orders(request, std::move(items), std::move(hosts));
  }
  if (request.job != "get_task" && request.job != "delete_task") {
    out.error = "unknown job type \"" + request.job + "\"";
    co_return out;
  }
  std::string task_id = request.task_id;
  if (task_id.empty() && !request.urls.empty()) task_id = task_of(request, request.urls.front());
  if (task_id.empty()) {
    out.error = request.job + " needs a task ID or a URL";
    co_return out;
  }
  if (request.job == "get_task") co_return get_task(request, task_id);
  std::vector<proto::job_host> hosts;
  auto items = delete_items(task_id, hosts);
  co_return co_await run_orders(request, std::move(items), std::move(hosts));
}

std::vector<job_runner::item> job_runner::preheat_items(const proto::job_request& request,
                                                        std::vector<proto::job_host>& hosts,
                                                        std::string& error) const {
  std::vector<item> items;
  if (request.urls.empty()) error = "preheat needs at least one URL";
  for (const auto& url : request.urls) {
    if (!parse_url(url)) {
      error = "invalid URL: " + url;
      return {};
    }
    const auto task_id = task_of(request, url);
    const auto targets = job_targets(request.scope, task_id, sw_.hosts());
    if (targets.empty()) {
      error = request.scope == "all_peers" ? "no host connected to this scheduler"
                                           : "no seed peer connected to this scheduler";
      return {};
    }
    for (const auto& host_id : targets) {
      items.push_back({host_id, task_id,
                       proto::preheat{task_id, url, request.headers, request.tag, request.application, request.filters},
                       {}, false});
      hosts.push_back(describe(host_id, url));
    }
  }
  return items;
}

std::vector<job_runner::item> job_runner::delete_items(const std::string& task_id,
                                                       std::vector<proto::job_host>& hosts) const {
  std::vector<item> items;
  std::string url;
  if (const auto t = sw_.tasks().find(task_id); t != sw_.tasks().end()) url = t->second.request.url;
  // Every host is asked (another scheduler may be the one that knows it holds the task).
  for (const auto& [host_id, h] : sw_.hosts()) {
    items.push_back({host_id, task_id, proto::delete_task{task_id}, {}, false});
    hosts.push_back(describe(host_id, url));
  }
  return items;
}

proto::job_result job_runner::get_task(const proto::job_request& request, const std::string& task_id) const {
  proto::job_result out;
  out.job_id = request.job_id;
  const auto t = sw_.tasks().find(task_id);
  if (t == sw_.tasks().end()) return out;
  for (const auto& [peer_id, peer] : t->second.peers) {
    if (!peer.done) continue;
    auto h = describe(peer.host_id, t->second.request.url);
    h.bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(0, t->second.content_length));
    h.source = "cache";
    out.hosts.push_back(std::move(h));
  }
  return out;
}

awaitable<proto::job_result> job_runner::run_orders(const proto::job_request& request, std::vector<item> items,
                                                    std::vector<proto::job_host> hosts) {
  auto job = std::make_shared<job_state>(ex_);
  job->items = std::move(items);
  job->hosts = std::move(hosts);
  job->remaining = job->items.size();
  job->held.assign(job->items.size(), false);
  job->window = static_cast<std::size_t>(std::clamp<std::int64_t>(request.concurrent_count, 1, 100000));
  const auto timeout = request.timeout_ms > 0 ? std::chrono::milliseconds(request.timeout_ms) : default_timeout_;
  job->timer.expires_after(timeout);
  advance(job);
  if (job->remaining > 0) co_await job->timer.async_wait(net::use_nothrow);
  for (auto it = awaited_.begin(); it != awaited_.end();)
    it = it->second.first == job ? awaited_.erase(it) : std::next(it);
  for (std::size_t i = 0; i < job->items.size(); ++i) {
    if (job->items[i].done) continue;
    job->hosts[i].error = i < job->next ? "timed out after " + std::to_string(timeout.count()) + " ms"
                                        : "not started: the job timed out after " + std::to_string(timeout.count()) + " ms";
  }
  proto::job_result out;
  out.job_id = request.job_id;
  const bool deleting = request.job == "delete_task";
  for (std::size_t i = 0; i < job->hosts.size(); ++i)  // delete_task: the hosts that held it, or failed
    if (!deleting || job->held[i] || !job->hosts[i].error.empty()) out.hosts.push_back(std::move(job->hosts[i]));
  co_return out;
}

void job_runner::advance(const std::shared_ptr<job_state>& job) {
  while (job->next < job->items.size() && job->in_flight < job->window) {
    const auto index = job->next++;
    auto& it = job->items[index];
    const auto host = sw_.hosts().find(it.host_id);
    if (host == sw_.hosts().end()) {
      finish(job, index, host_left);
      continue;
    }
    if (!proto::has_feature(host->second.info, proto::feature_jobs)) {
      finish(job, index, no_feature);
      continue;
    }
    it.sent = std::chrono::steady_clock::now();
    if (!send_(it.host_id, it.order)) {
      finish(job, index, host_left);
      continue;
    }
    ++job->in_flight;
    awaited_.emplace(answer_key{it.host_id, it.task_id, std::holds_alternative<proto::preheat>(it.order)},
                     std::pair{job, index});
  }
}

void job_runner::finish(const std::shared_ptr<job_state>& job, std::size_t index, std::string error) {
  auto& it = job->items[index];
  if (it.done) return;
  it.done = true;
  if (!error.empty()) job->hosts[index].error = std::move(error);
  if (job->hosts[index].duration_ms == 0 && it.sent != std::chrono::steady_clock::time_point{})
    job->hosts[index].duration_ms = ms_since(it.sent);
  if (--job->remaining == 0) job->timer.cancel();
}

bool job_runner::on_daemon_message(const std::string& host_id, const proto::message& m) {
  const auto* done = std::get_if<proto::preheat_done>(&m);
  const auto* deleted = std::get_if<proto::task_deleted>(&m);
  if (!done && !deleted) return false;
  const answer_key key{host_id, done ? done->task_id : deleted->task_id, done != nullptr};
  auto [first, last] = awaited_.equal_range(key);
  std::vector<std::pair<std::shared_ptr<job_state>, std::size_t>> answered;
  for (auto it = first; it != last; ++it) answered.push_back(it->second);
  awaited_.erase(first, last);
  for (auto& [job, index] : answered) {
    auto& h = job->hosts[index];
    if (done) {
      h.bytes = done->bytes;
      h.duration_ms = done->duration_ms;
      h.source = done->source;
    } else {
      job->held[index] = deleted->held;
    }
    --job->in_flight;
    finish(job, index, done ? done->error : deleted->error);
    advance(job);
  }
  return true;
}

void job_runner::on_host_gone(const std::string& host_id) {
  std::vector<std::pair<std::shared_ptr<job_state>, std::size_t>> lost;
  for (auto it = awaited_.begin(); it != awaited_.end();) {
    if (std::get<0>(it->first) != host_id) {
      ++it;
      continue;
    }
    lost.push_back(it->second);
    it = awaited_.erase(it);
  }
  for (auto& [job, index] : lost) {
    --job->in_flight;
    finish(job, index, host_left);
    advance(job);
  }
}

}  // namespace df::scheduler
