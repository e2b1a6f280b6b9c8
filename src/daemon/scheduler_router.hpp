#pragma once
// The daemon's schedulers: one scheduler_client per configured address, and which of them each
// task's messages go to (its owner on the consistent-hash ring, or the next live one after it).

#include "daemon/scheduler_ring.hpp"
#include "net/async_event.hpp"
#include "net/scheduler_protocol.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace df::net {
class metric;
class tls_identity;
}

namespace df::daemon {

class scheduler_client;

/// Keeps a connection (hello, keepalives, reconnects) to every scheduler listed, seed or not, so
/// any scheduler can reach this host. A task belongs to the first scheduler on the ring, walking
/// from the task ID, that is connected; a scheduler not yet tried since start makes the task wait
/// (it may be the owner), one that failed is skipped. With one address this is the old behaviour:
/// the task waits for that scheduler. Owned by the daemon; single-threaded on its executor.
class scheduler_router {
 public:
  using message_handler = std::function<void(const net::proto::message&)>;
  using change_handler = std::function<void()>;
  /// Sends an answer back to the scheduler that sent a message; false when it is gone.
  using reply_fn = std::function<bool(const net::proto::message&)>;
  /// A manager's job order (preheat, delete_task) and how to answer it.
  using job_handler = std::function<void(const net::proto::message&, reply_fn)>;

  /// `connected` (a gauge) counts the schedulers connected now; `moved` counts tasks whose
  /// messages moved from one live scheduler to another; `members` (a gauge) counts the ring's
  /// schedulers.
  scheduler_router(net::asio::any_io_executor ex, const std::vector<std::string>& addresses,
                   net::proto::host_info host, std::chrono::milliseconds keepalive_interval, net::metric& connected,
                   net::metric& moved, net::metric& members);
  ~scheduler_router();

  /// A message from a scheduler, when it is about a task this scheduler owns (or asks us to seed).
  void on_message(message_handler h) { on_message_ = std::move(h); }
  /// A scheduler connected or went away: the caller calls reassign() for each of its tasks.
  void on_change(change_handler h) { on_change_ = std::move(h); }
  /// A job order from any scheduler (each can reach every host; the answer goes back to it).
  void on_job(job_handler h) { on_job_ = std::move(h); }
  /// Replaces the host description sent in hello (before start()).
  void set_host(const net::proto::host_info& host);
  /// Makes `addresses` the ring (dfmanager gave a new list): keeps the connections to schedulers
  /// still listed, opens connections to new ones, closes those to removed ones, and, when the
  /// ring changed, calls on_change so that tasks whose owner changed re-announce themselves to
  /// it. Returns false (and does nothing) when the set of addresses is the same.
  bool set_addresses(const std::vector<std::string>& addresses);
  /// The ring's members, in the order given.
  const std::vector<std::string>& addresses() const { return ring_.members(); }
  /// Speaks TLS to schedulers (before start()).
  void set_tls(const std::shared_ptr<net::tls_identity>& tls);
  void start();
  void stop();

  /// True when the task has a scheduler to talk to now.
  bool connected(const std::string& task_id) const { return owner(task_id).has_value(); }
  /// Waits up to `timeout` until the task has a scheduler; true when it has.
  net::awaitable<bool> wait_connected(const std::string& task_id, std::chrono::milliseconds timeout);
  /// Sends a task's message to its scheduler; false (dropped) when it has none now. Messages
  /// without a task ID go nowhere.
  bool send(const net::proto::message& m);
  /// Called for each task after on_change: true when the task's scheduler changed since its last
  /// message (it must announce itself where it is now, or notice it has none). Counts moves.
  bool reassign(const std::string& task_id);
  /// The task is gone from this host: forgets where it was.
  void forget(const std::string& task_id) { placed_.erase(task_id); }
  /// The number of schedulers connected now.
  std::size_t connected_count() const;

 private:
  using link = scheduler_ring::link;
  /// The connected scheduler the task's messages go to, or nullopt (none, or one still untried
  /// comes first).
  std::optional<std::size_t> owner(const std::string& task_id) const;
  void state_changed(std::size_t member, bool connected);
  /// A client for `address` whose callbacks report as ring member `index`.
  std::shared_ptr<scheduler_client> make_client(const std::string& address);
  void bind(std::size_t index);
  void message_from(std::size_t member, const net::proto::message& m);

  scheduler_ring ring_;
  std::vector<std::shared_ptr<scheduler_client>> clients_;  // one per ring member, same index
  std::vector<link> links_;
  std::map<std::string, std::optional<std::size_t>> placed_;  // task → where its last messages went
  std::size_t moved_in_change_ = 0;  // moves reassign() saw since the last change
  struct change_log {
    std::optional<std::chrono::steady_clock::time_point> last;  // the last line about this scheduler
    std::size_t unlogged = 0;                                    // its changes since, not logged
  };
  std::vector<change_log> logs_;  // per scheduler: connection changes are logged at most once per 10 s
  net::asio::any_io_executor ex_;
  net::proto::host_info host_;
  std::chrono::milliseconds keepalive_interval_;
  std::shared_ptr<net::tls_identity> tls_;
  bool started_ = false;
  net::async_event state_changed_;
  net::metric& connected_gauge_;
  net::metric& moved_;
  net::metric& members_;
  message_handler on_message_;
  change_handler on_change_;
  job_handler on_job_;
};

}  // namespace df::daemon
