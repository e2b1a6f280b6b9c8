#include "manager/job_engine.hpp"

#include "core/url.hpp"
#include "manager/cron.hpp"
#include "manager/job_codec.hpp"
#include "manager/registry_resolver.hpp"

#include <nlohmann/json.hpp>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <limits>

namespace df::manager {

using json = nlohmann::json;

/// One run's shared state between the run and its lease keeper.
struct job_engine::run_state {
  explicit run_state(net::asio::any_io_executor ex) : timer(ex) {}
  bool done = false;  // the run ended: the keeper stops
  bool lost = false;  // the lease is no longer ours: the run stops, its outcome is dropped
  net::asio::steady_timer timer;
  json result = json::object();
};

namespace {

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (j.is_object())
    for (const auto& [k, v] : j.items())
      if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

// One cluster's outcome as Dragonfly's clients (Harbor) read it.
json cluster_json(std::int64_t cluster, const dispatch_result& d) {
  json ok = json::array(), failed = json::array();
  for (const auto& h : d.hosts) {
    json t = {{"url", redact_url(h.url)}, {"hostname", h.hostname}, {"ip", h.ip}};
    if (h.error.empty()) {
      t.update({{"bytes", h.bytes}, {"duration_ms", h.duration_ms}, {"source", h.source}});
      ok.push_back(t);
    } else {
      t["description"] = h.error;
      failed.push_back(t);
    }
  }
  return {{"scheduler_cluster_id", cluster}, {"success_tasks", ok}, {"failure_tasks", failed}, {"error", d.error}};
}

// Why a cluster's share failed, for a user; "" when every host succeeded.
std::string cluster_reason(std::int64_t cluster, const dispatch_result& d) {
  if (!d.error.empty()) return "cluster " + std::to_string(cluster) + ": " + d.error;
  std::size_t failed = 0;
  const host_result* first = nullptr;
  for (const auto& h : d.hosts)
    if (!h.error.empty() && ++failed == 1) first = &h;
  if (!first) return {};
  return "cluster " + std::to_string(cluster) + ": " + std::to_string(failed) + " of " + std::to_string(d.hosts.size()) +
         " host results failed, first " + first->hostname + " (" + first->ip + "): " + first->error;
}

}  // namespace

std::string make_engine_owner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  unsigned char random[4] = {};
  ::RAND_bytes(random, sizeof random);
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + suffix;
}

job_engine::job_engine(config::jobs_config settings, std::chrono::milliseconds alive_window,
                       std::unique_ptr<store> db, std::unique_ptr<job_dispatcher> dispatcher,
                       std::function<std::int64_t()> now_ms)
    : settings_(settings),
      alive_window_(alive_window),
      db_(std::move(db)),
      dispatcher_(std::move(dispatcher)),
      now_ms_(std::move(now_ms)),
      owner_(make_engine_owner()) {}

job_engine::~job_engine() { stop(); }

void job_engine::start() {
  net::asio::co_spawn(io_, loop(), net::asio::detached);
  thread_ = std::thread([this] { io_.run(); });
  spdlog::info("dfmanager: job engine {} started (lease {} ms)", owner_, settings_.lease.count());
}

void job_engine::stop() {
  stopping_ = true;
  io_.stop();
  if (!thread_.joinable()) return;
  thread_.join();
  // The engine's thread is done: hand the jobs it was running to the other replicas now rather
  // than when their leases expire.
  if (const auto released = db_->release_leases(owner_); !released)
    spdlog::warn("dfmanager: job engine {}: cannot release its leases: {}", owner_, released.error().message());
}

net::awaitable<void> job_engine::loop() {
  net::asio::steady_timer idle(co_await net::asio::this_coro::executor);
  while (!stopping_) {
    bool claimed = false;
    if (running_ < settings_.max_running) {
      auto c = db_->claim_job(owner_, now_ms_(), settings_.lease.count(), settings_.max_attempts);
      if (c && *c) {
        claimed = true;
        ++running_;
        net::asio::co_spawn(io_, [this, j = std::move(**c)]() -> net::awaitable<void> { co_await run(j); },
                            net::asio::detached);
      }
    }
    if (!claimed) {
      idle.expires_after(settings_.poll_interval);
      co_await idle.async_wait(net::use_nothrow);
    }
  }
}

net::awaitable<bool> job_engine::run_one() {
  auto c = db_->claim_job(owner_, now_ms_(), settings_.lease.count(), settings_.max_attempts);
  if (!c || !*c) co_return false;
  ++running_;
  const job_record j = std::move(**c);
  co_await run(j);
  co_return true;
}

net::awaitable<void> job_engine::run(const job_record& j) {
  const auto ex = co_await net::asio::this_coro::executor;
  auto state = std::make_shared<run_state>(ex);
  spdlog::info("dfmanager: running {} job {} (attempt {})", j.type, j.id, j.attempts);
  net::asio::co_spawn(ex, keep_lease(j.id, state), net::asio::detached);
  std::string reason;
  try {
    reason = co_await execute(j, *state);
  } catch (const std::exception& e) {
    reason = std::string("internal error: ") + e.what();
  }
  state->done = true;
  state->timer.cancel();
  --running_;
  if (state->lost) {
    spdlog::info("dfmanager: job {} is no longer ours (canceled, deleted or taken over); outcome dropped", j.id);
    co_return;
  }
  const auto now = now_ms_();
  std::int64_t next = 0;
  if (!j.cron.empty()) {
    std::string why;
    // A schedule that never comes due again (refused at creation; kept safe here) waits forever.
    const auto schedule = parse_cron(j.cron, why);
    next = schedule ? schedule->next_after(now).value_or(std::numeric_limits<std::int64_t>::max())
                    : std::numeric_limits<std::int64_t>::max();
  }
  const auto st = reason.empty() ? job_state::success : job_state::failure;
  state->result["job_states"] = json::array({{{"state", to_string(st)}, {"error", reason},
                                               {"results", state->result.value("results", json::array())}}});
  state->result.erase("results");
  state->result["manager"] = owner_;
  const auto finished = db_->finish_job(j.id, owner_, st, state->result.dump(), reason, now, next);
  if (!finished) spdlog::warn("dfmanager: job {}: cannot record its outcome: {}", j.id, finished.error().message());
  else if (!*finished) spdlog::info("dfmanager: job {} is no longer ours; outcome dropped", j.id);
  else if (reason.empty()) spdlog::info("dfmanager: job {} succeeded", j.id);
  else spdlog::info("dfmanager: job {} failed: {}", j.id, reason);
}

net::awaitable<void> job_engine::keep_lease(std::int64_t id, std::shared_ptr<run_state> state) {
  std::int64_t valid_until = now_ms_() + settings_.lease.count();  // as claimed, roughly
  while (!state->done) {
    state->timer.expires_after(settings_.lease / 3);
    co_await state->timer.async_wait(net::use_nothrow);
    if (state->done) co_return;
    const auto now = now_ms_();
    const auto renewed = db_->renew_lease(id, owner_, now + settings_.lease.count());
    if (renewed) valid_until = *renewed ? now + settings_.lease.count() : 0;
    // Not ours any more, or not renewed in time (the database is away): another replica may
    // claim it now, so this one stops — never two runs at once.
    if (now_ms_() >= valid_until) {
      state->lost = true;
      co_return;
    }
  }
}

net::awaitable<std::string> job_engine::execute(const job_record& j, run_state& state) {
  const json args = json::parse(j.args);
  std::vector<std::int64_t> clusters = j.scheduler_cluster_ids;
  if (clusters.empty()) {
    const auto all = db_->all_scheduler_clusters();
    if (!all) co_return "the database is unavailable: " + all.error().message();
    for (const auto& c : *all) clusters.push_back(c.id);
  }
  if (clusters.empty()) co_return std::string("no scheduler cluster to run it in");

  dispatch_request d;
  d.job_id = j.id;
  d.type = j.type;
  d.headers = string_map(args.value("headers", json::object()));
  d.tag = args.value("tag", "");
  d.application = args.value("application", "");
  d.filtered_query_params = args.value("filtered_query_params", "");
  d.scope = args.value("scope", "single_seed_peer");
  d.concurrent_count = args.value("concurrent_count", std::int64_t{50});
  d.timeout_ms = job_timeout_ms(args);
  d.task_id = args.value("task_id", "");
  d.stopped = [this, &state] { return state.lost || stopping_.load(); };
  if (j.type == "preheat" && args.value("type", "") == "image") {
    image_request image;
    image.manifest_url = args.value("url", "");
    image.headers = d.headers;
    image.username = args.value("username", "");
    image.password = args.value("password", "");
    image.platform = args.value("platform", "");
    image.timeout = std::chrono::milliseconds(std::min<std::int64_t>(d.timeout_ms, 60000));
    const auto resolved = co_await resolve_image(image);
    if (!resolved.error.empty()) co_return resolved.error;
    d.urls = resolved.blob_urls;
    if (!resolved.authorization.empty()) d.headers["Authorization"] = resolved.authorization;
  } else if (j.type == "preheat") {
    d.urls = args.value("urls", std::vector<std::string>());
  } else if (!args.value("url", "").empty()) {
    d.urls = {args.value("url", "")};
  }
  json urls = json::array();
  for (const auto& u : d.urls) urls.push_back(redact_url(u));
  state.result["urls"] = urls;

  std::string reasons;
  json results = json::array();
  for (const auto cluster : clusters) {
    if (state.lost || stopping_) co_return std::string("stopped");
    const auto outcome = co_await dispatch_to(cluster, d);
    results.push_back(cluster_json(cluster, outcome));
    if (const auto why = cluster_reason(cluster, outcome); !why.empty()) reasons += (reasons.empty() ? "" : "; ") + why;
  }
  state.result["results"] = results;
  co_return reasons;
}

// One cluster's share, with the cluster's active schedulers and seed peers as the database has
// them; a cluster deleted meanwhile is that share's error.
net::awaitable<dispatch_result> job_engine::dispatch_to(std::int64_t cluster, dispatch_request& d) {
  d.scheduler_cluster_id = cluster;
  const auto since = now_ms_() - alive_window_.count();
  const auto row = db_->get_scheduler_cluster(cluster);
  const auto schedulers = db_->schedulers_alive_since(cluster, since);
  const auto seeds = row ? db_->seed_peers_alive_since(row->seed_peer_cluster_id, since)
                         : result<std::vector<seed_peer_record>>(row.error());
  dispatch_result failed;
  if (!row && row.error() == store_errc::not_found) failed.error = "the scheduler cluster no longer exists";
  else if (!row || !schedulers || !seeds) failed.error = "the database is unavailable";
  if (!failed.error.empty()) co_return failed;
  d.schedulers = *schedulers;
  d.seed_peers = *seeds;
  co_return co_await dispatcher_->dispatch(d);
}

}  // namespace df::manager
