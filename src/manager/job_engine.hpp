#pragma once
// The manager's job engine: claims runnable jobs from the database (one replica per job, with a
// lease it renews), runs each — an image preheat resolves its manifest first — by handing every
// target cluster its share through the job_dispatcher, and records the outcome.

#include "manager/config.hpp"
#include "manager/job_dispatcher.hpp"
#include "manager/store.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace df::manager {

/// Runs jobs on a thread of its own with a store (a database connection) of its own.
/// What it tracks:
///  1. the jobs it runs (at most settings.max_running), each with a lease renewed every third of
///     `lease` — a renewal that fails (canceled, deleted, taken over) stops that job's run;
///  2. its owner name, written into the lease, unique per process.
class job_engine {
 public:
  /// `alive_window`: components whose last keepalive is older are not handed to the dispatcher
  /// (keepalive.interval × keepalive.misses).
  job_engine(config::jobs_config settings, std::chrono::milliseconds alive_window, std::unique_ptr<store> db,
             std::unique_ptr<job_dispatcher> dispatcher, std::function<std::int64_t()> now_ms);
  ~job_engine();
  job_engine(const job_engine&) = delete;
  job_engine& operator=(const job_engine&) = delete;

  /// Starts the thread that polls for jobs.
  void start();
  /// Stops polling and the runs in flight, and releases their leases: another replica (or this
  /// one after a restart) takes them over at once.
  void stop();
  /// Claims one runnable job and runs it to the end on the calling coroutine's executor; false
  /// when none was runnable. (The engine's loop, and tests.)
  net::awaitable<bool> run_one();
  const std::string& owner() const { return owner_; }

 private:
  struct run_state;
  net::awaitable<void> loop();
  net::awaitable<void> run(const job_record& j);
  net::awaitable<void> keep_lease(std::int64_t id, std::shared_ptr<run_state> state);
  net::awaitable<std::string> execute(const job_record& j, run_state& state);

  net::awaitable<dispatch_result> dispatch_to(std::int64_t cluster, dispatch_request& d);

  config::jobs_config settings_;
  std::chrono::milliseconds alive_window_;
  std::unique_ptr<store> db_;
  std::unique_ptr<job_dispatcher> dispatcher_;
  std::function<std::int64_t()> now_ms_;
  std::string owner_;
  std::uint32_t running_ = 0;
  std::atomic<bool> stopping_{false};
  net::asio::io_context io_{1};
  std::thread thread_;
};

/// A unique name for this process's engine: "<hostname>-<pid>-<random>".
std::string make_engine_owner();

}  // namespace df::manager
