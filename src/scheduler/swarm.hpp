#pragma once
// The scheduler's decisions: what to do when a daemon says something or goes away. Pure logic over
// the model; replies leave through an outbox so tests can drive it without sockets.

#include "net/metrics.hpp"
#include "scheduler/download_report.hpp"
#include "scheduler/parent_selector.hpp"
#include "scheduler/resource.hpp"

#include <functional>
#include <map>
#include <string>

namespace df::scheduler {

/// Counters and latency histograms the swarm updates (exported at /metrics).
struct swarm_stats {
  net::metric& hosts;
  net::metric& seed_hosts;
  net::metric& tasks;
  net::metric& peers_registered;
  net::metric& seed_triggers;
  net::metric& seed_triggers_outside_idc;
  net::metric& back_to_source_orders;
  net::metric& reschedules;
  net::metric& parent_failures;
  net::metric& tasks_failed;
  net::metric& quarantined;
  net::metric& claims_ignored;
  net::metric& reverify_sent;
  net::metric& reverify_clean;
  net::metric& reverify_dropped;
  net::metric& readmitted;
  net::histogram& schedule_time;  // one parent-selection decision (select_parents and sending the set)
  net::histogram& register_time;  // handling one register_peer, its first scheduling included
  static swarm_stats create(net::metrics_registry& r);
};

/// Every host, task and peer the scheduler knows, and the rules that change them. Owned by the
/// scheduler service; runs on its single I/O thread.
class swarm {
 public:
  /// Sends one message to a host's daemon.
  using outbox = std::function<void(const std::string& host_id, net::proto::message)>;
  /// The time source (injected so tests control it).
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;

  swarm(selection_limits limits, outbox out, swarm_stats stats, clock_fn now = std::chrono::steady_clock::now);

  /// Called about once a second: retries decisions that were deferred (electing a source).
  void tick();

  /// A daemon connected and said hello (or reconnected: its old peers are dropped first).
  void on_hello(const net::proto::host_info& host);
  /// Any later message from that host. An error means the host broke the protocol's rules (a
  /// piece number out of range, a task ID that does not match its URL, acting on another host's
  /// peer, too many peers): the message had no effect, and the caller counts it and closes the
  /// connection. Messages about peers the scheduler no longer knows are ignored (not an error).
  result<void> on_message(const std::string& host_id, const net::proto::message& m);
  /// The host's connection closed or it stopped sending keepalives: drop it and its peers.
  void on_host_gone(const std::string& host_id);

  /// Where finished downloads go (the manager's analytics); none by default.
  void set_download_sink(std::function<void(download_report)> sink) { download_sink_ = std::move(sink); }

  /// Replaces the tunables from now on (the cluster config from dfmanager changed them).
  void set_limits(const selection_limits& limits) { limits_ = limits; }
  const selection_limits& limits() const { return limits_; }
  const std::map<std::string, host_state>& hosts() const { return hosts_; }
  const std::map<std::string, task_state>& tasks() const { return tasks_; }

 private:
  /// Publishes the host counts (hosts, seed hosts) as gauges.
  void count_hosts();
  result<void> on_register(const std::string& host_id, const net::proto::register_peer& m);
  result<void> on_task_meta(const std::string& host_id, const net::proto::task_meta& m);
  result<void> on_piece_done(const std::string& host_id, const net::proto::piece_done& m);
  result<void> on_peer_done(const std::string& host_id, const net::proto::peer_done& m);
  result<void> on_peer_failed(const std::string& host_id, const net::proto::peer_failed& m);
  result<void> on_parent_failed(const std::string& host_id, const net::proto::parent_failed& m);
  result<void> on_leave(const std::string& host_id, const net::proto::leave_peer& m);
  result<void> on_reverified(const std::string& host_id, const net::proto::reverified& m);

  peer_state* find_peer(const std::string& task_id, const std::string& peer_id);
  /// The peer when it exists and lives on `host_id`; null when unknown (stale: ignore);
  /// not_permitted when it belongs to another host.
  result<peer_state*> own_peer(const std::string& host_id, const std::string& task_id, const std::string& peer_id);
  /// Runs `fn(peer, task)` for the peer message `m` names when it is the sender's own (own_peer).
  template <class Message, class Fn>
  result<void> with_own_peer(const std::string& host_id, const Message& m, Fn&& fn);
  /// Makes sure someone reads the task from the origin: a seed host, else one of the peers.
  void ensure_source(task_state& task);
  /// Asks the seed choose_seed picks among the connected seeds not tried for the task; false when
  /// there is none left.
  bool trigger_seed(task_state& task);
  /// Tasks each seed host is sourcing now: asked and not registered, or its peer is the source
  /// and not done. O(tasks), called once per seed choice.
  std::map<std::string, std::uint32_t> seed_load() const;
  void make_source(task_state& task, peer_state& peer, const std::string& reason);
  /// Recomputes a peer's parents; sends `parents` when the set changed.
  void schedule(task_state& task, peer_state& peer, bool force_send = false);
  /// Reschedules every unfinished peer of the task that has room for more parents.
  void schedule_all(task_state& task);
  // Keeping upload load even across the mesh (mesh_balance.cpp).
  /// Called when `peer` joins: it becomes a parent of up to max_parents peers, first in place
  /// of a parent in another idc (taken when the child's idc had nobody yet), then of peers with
  /// room for another parent (the fewest parents first, so the mesh is complete before
  /// pieces flow), then peers whose busiest parent's host has at least two children more than
  /// `peer`'s, in place of that parent (the most relieved first): every uplink gets about the same
  /// number of children, so none idles while others are shared by many.
  void offer_as_parent(task_state& task, peer_state& peer);
  /// A non-source parent of `child` in another idc than `child`'s, or null.
  const peer_state* foreign_parent(task_state& task, const peer_state& child);
  /// `child`'s non-source parent on the host with the most children, or null.
  peer_state* busiest_parent(task_state& task, const peer_state& child);
  /// The number of children `peer`'s host serves over every task.
  std::uint32_t host_children(const peer_state& peer) const;
  /// Replaces the peer's parent edges (and the parents' hosts' load) without telling anyone.
  void relink(task_state& task, peer_state& peer, const std::vector<std::string>& parents);
  /// relink, then sends the new set to the peer.
  void set_parents(task_state& task, peer_state& peer, std::vector<std::string> parents);
  void send_task_info(const task_state& task, const peer_state& peer);
  /// The source reported `piece`'s digest: sends it to the peers that said they hold the piece
  /// before the digest was known (their copy may be of older content).
  void confirm_held_piece(task_state& task, const peer_state& source, std::uint32_t piece);

  // Bringing the source's pieces into the swarm once each (source_pieces.cpp).
  /// The source stored `piece`: tell one peer per idc (the one with the least outstanding share),
  /// or everyone who may see all once the source is revealed.
  void on_source_piece(task_state& task, std::uint32_t piece);
  /// Gives `piece` to the child of the source in each idc that has the fewest source pieces
  /// outstanding; false when there is no such child at all.
  bool assign_source_piece(task_state& task, std::uint32_t piece);
  /// The source holds everything: peers of its idc may now fetch any piece from it (and, with
  /// `cross_idc`, every peer).
  void reveal_source(task_state& task, bool cross_idc);
  // Quarantine and re-verification of holders that children report (quarantine.cpp).
  /// A child's host reported `parent` failing (with the pieces that failed their digest, if any;
  /// `counts`: the child's first report of it, not one of its requests that were in flight):
  /// quarantines it once children on limits.quarantine_reports hosts have.
  void note_report(task_state& task, peer_state& parent, const std::string& reporter_host,
                   const std::vector<std::uint32_t>& pieces, bool counts);
  /// Takes `holder` out of every parent set of the task and out of every later choice, and asks
  /// its daemon (when it understands it) to re-verify the reported pieces.
  void quarantine(task_state& task, peer_state& holder);
  /// Whether `child` may see every piece of the source (not only the ones it was told of).
  bool sees_all_of_source(const task_state& task, const peer_state& child) const;
  /// The idc label of the host a peer lives on ("" when unknown).
  const std::string& idc_of(const peer_state& p) const;
  /// A new source (or none): forget who was told what.
  void reset_source_tracking(task_state& task);
  /// The source's pieces that `child` knows of, for its `parents` message (and marks them told).
  std::vector<std::uint32_t> source_pieces_for(task_state& task, peer_state& child);
  /// A peer leaves: its outstanding share goes to others.
  void reassign_source_pieces(task_state& task, const std::set<std::uint32_t>& pieces);
  void remove_peer(task_state& task, const std::string& peer_id);
  /// Tells the download sink that `peer` finished (unless it only re-announced a complete task).
  void report_download(const task_state& task, const peer_state& peer, bool ok, std::uint64_t from_peers,
                       std::uint64_t from_origin, const std::string& error_class);
  void fail_task(task_state& task, const std::string& message, int origin_status,
                 const std::string& error_type = {});

  selection_limits limits_;
  outbox out_;
  swarm_stats stats_;
  std::map<std::string, host_state> hosts_;
  std::size_t seed_hosts_ = 0;  // hosts whose hello said seed (after the scheduler's checks)
  std::map<std::string, task_state> tasks_;
  std::uint64_t next_seq_ = 0;
  clock_fn now_;
  std::chrono::steady_clock::time_point started_;
  std::function<void(download_report)> download_sink_;
};

}  // namespace df::scheduler
