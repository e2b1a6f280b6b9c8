#pragma once
// The job_dispatcher that runs jobs in the swarm: hands one cluster's share of a job to one of its
// active schedulers (failing over to the next) as a job_request on the scheduler's daemon port,
// and maps the scheduler's job_result back (docs/jobs-dispatch.md).

#include "manager/job_dispatcher.hpp"
#include "net/scheduler_protocol.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace df::net {
class tls_identity;
}

namespace df::manager {

/// How the manager reaches schedulers for jobs.
struct scheduler_dispatch_options {
  std::string token;                           // the schedulers' jobs.token_file token (not mtls)
  std::shared_ptr<net::tls_identity> tls;      // the manager's identity (tls / mtls), else null
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect + TLS handshake, per scheduler
  std::chrono::milliseconds default_timeout{600000};  // a share whose timeout_ms is 0
};

/// The job_request a share becomes (type, URLs, filters split on '&', scope, timeout, token).
net::proto::job_request to_job_request(const dispatch_request& request, const std::string& token);
/// The share's result from a scheduler's job_result.
dispatch_result from_job_result(const net::proto::job_result& result);

/// Dispatches shares to schedulers over the scheduler protocol. Owned by the manager's job engine;
/// its sockets and timers live on the executor of the coroutine that calls dispatch().
class scheduler_dispatcher : public job_dispatcher {
 public:
  explicit scheduler_dispatcher(scheduler_dispatch_options options);
  net::awaitable<dispatch_result> dispatch(const dispatch_request& request) override;

 private:
  /// The job's result from one scheduler, or why that scheduler could not be used (`error`).
  net::awaitable<std::optional<net::proto::job_result>> ask(const scheduler_record& scheduler,
                                                            const net::proto::job_request& job,
                                                            const dispatch_request& request, std::string& error);

  scheduler_dispatch_options options_;
};

/// A scheduler_dispatcher.
std::unique_ptr<job_dispatcher> make_scheduler_dispatcher(scheduler_dispatch_options options);

}  // namespace df::manager
