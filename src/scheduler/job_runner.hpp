#pragma once
// Runs a manager's job (preheat, get_task, delete_task) in the hosts connected to this scheduler:
// picks the hosts by scope, tells at most concurrent_count of them at once, collects their
// answers within the job's timeout (docs/jobs-dispatch.md).

#include "net/asio.hpp"
#include "net/scheduler_protocol.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace df::scheduler {

class swarm;

/// Every job running on this scheduler. Tracks (1) each job's hosts and their results, (2) the
/// answers awaited, by (host, task, kind), (3) the window of hosts told at once. Owned by the
/// scheduler service; runs on its I/O thread.
class job_runner {
 public:
  /// Sends a message to a host's daemon; false when the host is not connected.
  using send_fn = std::function<bool(const std::string& host_id, const net::proto::message&)>;

  job_runner(net::asio::any_io_executor ex, const swarm& sw, send_fn send, std::chrono::milliseconds default_timeout);

  /// Runs one job to its end (every host answered, or the timeout) and returns its result.
  net::awaitable<net::proto::job_result> run(net::proto::job_request request);
  /// A daemon's message: true when it answers a job (preheat_done, task_deleted; consumed here).
  bool on_daemon_message(const std::string& host_id, const net::proto::message& m);
  /// The host's connection closed: its outstanding answers fail with "host left: connection closed".
  void on_host_gone(const std::string& host_id);

 private:
  struct job_state;
  /// One (host, task) of a job: what to send and where its result goes.
  struct item {
    std::string host_id;
    std::string task_id;
    net::proto::message order;  // preheat or delete_task
    std::chrono::steady_clock::time_point sent;
    bool done = false;
  };
  using answer_key = std::tuple<std::string, std::string, bool>;  // host, task, preheat (else delete)

  net::awaitable<net::proto::job_result> run_orders(const net::proto::job_request& request,
                                                     std::vector<item> items, std::vector<net::proto::job_host> hosts);
  net::proto::job_result get_task(const net::proto::job_request& request, const std::string& task_id) const;
  /// The items and (not yet filled) results of a preheat or delete_task job; `error` when none.
  std::vector<item> preheat_items(const net::proto::job_request& request, std::vector<net::proto::job_host>& hosts,
                                  std::string& error) const;
  std::vector<item> delete_items(const std::string& task_id, std::vector<net::proto::job_host>& hosts) const;
  /// Tells hosts until the job's window is full.
  void advance(const std::shared_ptr<job_state>& job);
  void finish(const std::shared_ptr<job_state>& job, std::size_t index, std::string error);
  net::proto::job_host describe(const std::string& host_id, const std::string& url) const;

  net::asio::any_io_executor ex_;
  const swarm& sw_;
  send_fn send_;
  std::chrono::milliseconds default_timeout_;
  std::multimap<answer_key, std::pair<std::shared_ptr<job_state>, std::size_t>> awaited_;
};

}  // namespace df::scheduler
