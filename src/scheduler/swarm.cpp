#include "scheduler/swarm.hpp"

#include "core/ids.hpp"
#include "core/piece_layout.hpp"
#include "core/url.hpp"
#include "scheduler/seed_choice.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::scheduler {

namespace proto = net::proto;

namespace {
// A parent holding more pieces than this is described by a hex bitfield, not a list of numbers.
constexpr std::size_t max_listed_pieces = 1024;
}  // namespace

swarm_stats swarm_stats::create(net::metrics_registry& r) {
  return swarm_stats{
      r.gauge("dragonfly_scheduler_hosts", "Connected daemons"),
      r.gauge("dragonfly_scheduler_seed_hosts", "Connected daemons registered as seed peers"),
      r.gauge("dragonfly_scheduler_tasks", "Tasks known"),
      r.counter("dragonfly_scheduler_peers_registered_total", "Peers registered"),
      r.counter("dragonfly_scheduler_seed_triggers_total", "Seed peers asked to fetch a task"),
      r.counter("dragonfly_scheduler_seed_triggers_outside_idc_total",
                "Seed peers asked to fetch a task for a requester in another idc (none in its idc could)"),
      r.counter("dragonfly_scheduler_back_to_source_total", "Peers told to fetch from the origin"),
      r.counter("dragonfly_scheduler_reschedules_total", "Parent sets sent to peers"),
      r.counter("dragonfly_scheduler_parent_failures_total", "Parents reported failing by a child"),
      r.counter("dragonfly_scheduler_tasks_failed_total", "Tasks failed at their source"),
      r.counter("dragonfly_scheduler_quarantined_total",
                "Peers no longer offered as parents: children on scheduling.quarantine_reports hosts reported them"),
      r.counter("dragonfly_scheduler_claims_ignored_total",
                "Source or complete claims from hosts that are not seed peers, registered as plain peers"),
      r.counter("dragonfly_scheduler_reverify_sent_total",
                "Quarantined holders asked to re-hash the reported pieces from disk and drop bad ones"),
      r.counter("dragonfly_scheduler_reverify_answers_total", "Answers to reverify", "result=\"clean\""),
      r.counter("dragonfly_scheduler_reverify_answers_total", "Answers to reverify", "result=\"dropped\""),
      r.counter("dragonfly_scheduler_readmitted_total",
                "Quarantined holders offered as parents again after answering their first reverify"),
      r.add_histogram("dragonfly_scheduler_schedule_duration_seconds",
                      "Parent-selection decisions: choosing a peer's parents and sending them if they changed",
                      net::histogram::latency_bounds),
      r.add_histogram("dragonfly_scheduler_register_duration_seconds",
                      "Handling one peer registration, its first scheduling included", net::histogram::latency_bounds),
  };
}

swarm::swarm(selection_limits limits, outbox out, swarm_stats stats, clock_fn now)
    : limits_(limits), out_(std::move(out)), stats_(stats), now_(std::move(now)), started_(now_()) {}

void swarm::tick() {
  for (auto& [id, task] : tasks_) {
    if (task.source_peer.empty()) ensure_source(task);
    if (task.source_revealed && !task.cross_idc_revealed &&
        now_() - task.source_done_at >= limits_.cross_idc_reveal_delay)
      reveal_source(task, true);
  }
}

void swarm::count_hosts() {
  stats_.hosts.set(hosts_.size());
  stats_.seed_hosts.set(seed_hosts_);
}

void swarm::on_hello(const proto::host_info& host) {
  if (hosts_.contains(host.host_id)) on_host_gone(host.host_id);
  auto& h = hosts_[host.host_id];
  h.info = host;
  h.last_seen = now_();
  if (host.seed) ++seed_hosts_;
  count_hosts();
  spdlog::info("host {} joined ({}:{}{}{})", host.host_id, host.ip, host.upload_port, host.seed ? ", seed" : "",
               host.idc.empty() ? "" : ", idc " + host.idc);
}

result<void> swarm::on_message(const std::string& host_id, const proto::message& m) {
  const auto host = hosts_.find(host_id);
  if (host == hosts_.end()) return {};
  host->second.last_seen = now_();
  return std::visit(
      [&](const auto& v) -> result<void> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, proto::register_peer>) {
          const auto began = now_();
          auto r = on_register(host_id, v);
          stats_.register_time.observe(now_() - began);
          return r;
        }
        else if constexpr (std::is_same_v<T, proto::task_meta>) return on_task_meta(host_id, v);
        else if constexpr (std::is_same_v<T, proto::piece_done>) return on_piece_done(host_id, v);
        else if constexpr (std::is_same_v<T, proto::peer_done>) return on_peer_done(host_id, v);
        else if constexpr (std::is_same_v<T, proto::peer_failed>) return on_peer_failed(host_id, v);
        else if constexpr (std::is_same_v<T, proto::parent_failed>) return on_parent_failed(host_id, v);
        else if constexpr (std::is_same_v<T, proto::leave_peer>) return on_leave(host_id, v);
        else if constexpr (std::is_same_v<T, proto::reverified>) return on_reverified(host_id, v);
        else if constexpr (std::is_same_v<T, proto::keepalive>) return {};
        else return errc::not_permitted;  // only the scheduler sends it
      },
      m);
}

peer_state* swarm::find_peer(const std::string& task_id, const std::string& peer_id) {
  const auto t = tasks_.find(task_id);
  if (t == tasks_.end()) return nullptr;
  const auto p = t->second.peers.find(peer_id);
  return p == t->second.peers.end() ? nullptr : &p->second;
}

result<peer_state*> swarm::own_peer(const std::string& host_id, const std::string& task_id,
                                    const std::string& peer_id) {
  peer_state* peer = find_peer(task_id, peer_id);
  if (peer && peer->host_id != host_id) return errc::not_permitted;
  return peer;
}

template <class Message, class Fn>
result<void> swarm::with_own_peer(const std::string& host_id, const Message& m, Fn&& fn) {
  auto owned = own_peer(host_id, m.task_id, m.peer_id);
  if (!owned) return owned.error();
  if (!*owned) return {};
  return fn(**owned, tasks_.at(m.task_id));
}

namespace {

// The task ID a request names must be the one its URL, tag, application and filters give (or,
// for content addressed by digest, the digest's): otherwise a host could have the seed fetch
// one URL and file the bytes under another's ID.
bool task_id_matches(const proto::register_peer& m) {
  if (!m.digest.empty() && m.task_id == content_task_id(m.digest)) return true;
  return m.task_id == compute_task_id({m.url, m.tag, m.application, m.filters});
}

}  // namespace

result<void> swarm::on_register(const std::string& host_id, const proto::register_peer& m) {
  auto& host = hosts_.at(host_id);
  if (!task_id_matches(m)) return errc::not_permitted;
  if (auto existing = own_peer(host_id, m.task_id, m.peer_id); !existing) return existing.error();
  else if (*existing) return {};  // registered already
  if (host.peers.size() >= limits_.max_peers_per_host) return errc::out_of_bounds;
  auto t = tasks_.find(m.task_id);
  if (t != tasks_.end() && t->second.failed) {
    tasks_.erase(t);
    t = tasks_.end();
  }
  if (t == tasks_.end()) {
    t = tasks_.emplace(m.task_id, task_state{}).first;
    t->second.request = proto::seed_task{m.task_id, m.url, m.headers, m.tag, m.application, m.filters, m.digest};
    t->second.requester_idc = host.info.idc;
    stats_.tasks.set(tasks_.size());
  }
  task_state& task = t->second;
  peer_state& peer = task.peers[m.peer_id];
  task.peer_list.push_back(m.peer_id);
  peer.peer_id = m.peer_id;
  peer.host_id = host_id;
  peer.pieces = bitfield(task.piece_count());
  peer.registered_seq = next_seq_++;
  peer.registered_at = now_();
  peer.announced_complete = m.complete;
  host.peers.emplace(m.task_id, m.peer_id);
  stats_.peers_registered.add();

  const bool source_missing = task.source_peer.empty();
  // Only a seed peer may be a task's source of its own accord (re-announced after a restart):
  // its layout and digests are what every other peer trusts. Anyone else's claim is ignored.
  if ((m.source || m.complete) && !host.info.seed) stats_.claims_ignored.add();
  if ((m.source || m.complete) && host.info.seed && source_missing) {
    reset_source_tracking(task);
    task.source_peer = m.peer_id;
    peer.is_source = true;
    task.seed_pending_host.clear();
    schedule_all(task);
    return {};
  }
  if (host.info.seed && (task.seed_pending_host == host_id || source_missing)) {
    task.seed_pending_host.clear();
    make_source(task, peer, "seed peer");
    return {};
  }
  if (task.layout_known()) send_task_info(task, peer);
  ensure_source(task);
  if (!peer.is_source) {
    schedule(task, peer);
    offer_as_parent(task, peer);
  }
  return {};
}

void swarm::ensure_source(task_state& task) {
  if (!task.source_peer.empty()) return;
  if (std::any_of(task.peers.begin(), task.peers.end(), [](const auto& p) { return p.second.done; })) return;
  if (!task.seed_pending_host.empty() && hosts_.contains(task.seed_pending_host)) return;
  task.seed_pending_host.clear();
  if (trigger_seed(task)) return;
  // Just started: daemons are still reconnecting and re-announcing their sources; wait before
  // sending a plain peer to the origin (tick() comes back to it).
  if (now_() - started_ < limits_.source_election_delay) return;
  peer_state* earliest = nullptr;
  for (auto& [id, p] : task.peers)
    if (!earliest || p.registered_seq < earliest->registered_seq) earliest = &p;
  if (earliest) make_source(task, *earliest, "no seed peer can serve this task");
}

bool swarm::trigger_seed(task_state& task) {
  std::vector<seed_candidate> candidates;
  std::map<std::string, std::uint32_t> load;
  for (const auto& [id, h] : hosts_) {
    if (!h.info.seed || task.seeds_tried.contains(id)) continue;
    if (candidates.empty()) load = seed_load();
    candidates.push_back({id, h.info.idc, load[id]});
  }
  const auto pick = choose_seed(task.request.task_id, task.requester_idc, candidates, limits_.seed_max_tasks);
  if (!pick) return false;
  task.seeds_tried.insert(pick->host_id);
  task.seed_pending_host = pick->host_id;
  stats_.seed_triggers.add();
  if (pick->outside_idc) stats_.seed_triggers_outside_idc.add();
  spdlog::info("task {}: asking seed {} to fetch {}{}", task.request.task_id, pick->host_id,
               redact_url(task.request.url), pick->outside_idc ? " (no seed of idc " + task.requester_idc + " could)" : "");
  out_(pick->host_id, task.request);
  return true;
}

std::map<std::string, std::uint32_t> swarm::seed_load() const {
  std::map<std::string, std::uint32_t> load;
  for (const auto& [id, task] : tasks_) {
    if (!task.seed_pending_host.empty()) ++load[task.seed_pending_host];
    if (task.source_peer.empty()) continue;
    const auto source = task.peers.find(task.source_peer);
    if (source != task.peers.end() && !source->second.done) ++load[source->second.host_id];
  }
  return load;
}

void swarm::make_source(task_state& task, peer_state& peer, const std::string& reason) {
  relink(task, peer, {});
  reset_source_tracking(task);
  task.source_peer = peer.peer_id;
  peer.is_source = true;
  stats_.back_to_source_orders.add();
  spdlog::info("task {}: peer {} goes back to source ({})", task.request.task_id, peer.peer_id, reason);
  out_(peer.host_id, proto::back_to_source{task.request.task_id, peer.peer_id, reason});
  schedule_all(task);
}

result<void> swarm::on_task_meta(const std::string& host_id, const proto::task_meta& m) {
  return with_own_peer(host_id, m, [&](peer_state& peer, task_state& task) -> result<void> {
    if (!peer.is_source) return {};
    if (!layout_acceptable(m.content_length, m.piece_size)) return errc::out_of_bounds;
    task.content_length = m.content_length;
    task.piece_size = m.piece_size;
    task.signer = m.signer;
    if (task.layout_known()) {
      task.digests.resize(task.piece_count());
      for (auto& [id, p] : task.peers) p.pieces.resize(task.piece_count());
    }
    for (const auto& [id, p] : task.peers)
      if (!p.is_source) send_task_info(task, p);
    return {};
  });
}

result<void> swarm::on_piece_done(const std::string& host_id, const proto::piece_done& m) {
  return with_own_peer(host_id, m, [&](peer_state& peer, task_state& task) -> result<void> {
    const std::uint32_t limit = task.layout_known() ? task.piece_count() : max_piece_count;
    if (m.piece >= limit) return errc::out_of_bounds;
    if (!peer.pieces.set(piece_index(m.piece))) return {};
    if (peer.is_source) {
      if (!m.digest.empty()) {
        if (task.digests.size() <= m.piece) task.digests.resize(std::size_t{m.piece} + 1);
        task.digests[m.piece] = m.digest;
        confirm_held_piece(task, peer, m.piece);
      }
      on_source_piece(task, m.piece);
      return {};
    }
    peer.source_assigned.erase(m.piece);
    const std::string digest = m.piece < task.digests.size() ? task.digests[m.piece] : std::string{};
    if (digest.empty()) {
      task.unconfirmed_holders[m.piece].insert(peer.peer_id);
      return {};
    }
    for (const auto& child_id : peer.children) {
      const auto& child = task.peers.at(child_id);
      out_(child.host_id, proto::have{m.task_id, child_id, m.peer_id, {proto::piece_entry{m.piece, digest}}});
    }
    return {};
  });
}


void swarm::confirm_held_piece(task_state& task, const peer_state& source, std::uint32_t piece) {
  // A peer holding other bytes (an older version, from before the content changed) drops them
  // when it sees the digest, and fetches the piece again.
  const auto holders = task.unconfirmed_holders.extract(piece);
  if (holders.empty()) return;
  for (const auto& id : holders.mapped()) {
    const auto p = task.peers.find(id);
    if (p == task.peers.end()) continue;
    out_(p->second.host_id, proto::have{task.request.task_id, id, source.peer_id,
                                        {proto::piece_entry{piece, task.digests[piece]}}});
  }
}

result<void> swarm::on_peer_done(const std::string& host_id, const proto::peer_done& m) {
  return with_own_peer(host_id, m, [&](peer_state& peer, task_state& task) -> result<void> {
    if (!peer.done) report_download(task, peer, true, m.bytes_from_peers, m.bytes_from_origin, "");
    peer.done = true;
    relink(task, peer, {});  // frees the parents' upload slots
    if (peer.is_source) reveal_source(task, false);
    return {};
  });
}

result<void> swarm::on_peer_failed(const std::string& host_id, const proto::peer_failed& m) {
  return with_own_peer(host_id, m, [&](peer_state& peer, task_state& task) -> result<void> {
    if (!peer.done)
      report_download(task, peer, false, m.bytes_from_peers, m.bytes_from_origin,
                      error_class_of(m.error_type, m.origin_status));
    if (peer.is_source && !peer.done) fail_task(task, m.message, m.origin_status, m.error_type);
    else remove_peer(task, m.peer_id);
    return {};
  });
}

result<void> swarm::on_parent_failed(const std::string& host_id, const proto::parent_failed& m) {
  return with_own_peer(host_id, m, [&](peer_state& child, task_state& task) -> result<void> {
    if (!task.peers.contains(m.parent_peer_id)) return {};  // left already (or never was)
    stats_.parent_failures.add();
    spdlog::info("task {}: peer {} reports parent {} failing: {}", m.task_id, m.peer_id,
                 m.parent_peer_id, m.reason);
    // A child reports a parent once per incident: more reports (its other requests that were in
    // flight) name more pieces but count for nothing, even after the parent was re-admitted.
    const bool first = child.blocked_parents.insert(m.parent_peer_id).second;
    set_parents(task, child, parents_except(child, m.parent_peer_id));
    schedule(task, child, true);
    note_report(task, task.peers.at(m.parent_peer_id), host_id, m.pieces, first);
    if (child.parents.empty() && !child.blocked_parents.empty()) {
      // Nobody left: forgive earlier failures (they may have been transient) rather than stall.
      child.blocked_parents.clear();
      schedule(task, child, true);
    }
    return {};
  });
}

result<void> swarm::on_leave(const std::string& host_id, const proto::leave_peer& m) {
  return with_own_peer(host_id, m, [&](peer_state&, task_state& task) -> result<void> {
    remove_peer(task, m.peer_id);
    return {};
  });
}

void swarm::schedule(task_state& task, peer_state& peer, bool force_send) {
  if (peer.is_source || peer.done) return;
  const auto began = now_();
  auto chosen = select_parents(task, peer.peer_id, hosts_, limits_);
  const std::set<std::string> chosen_set(chosen.begin(), chosen.end());
  if (chosen_set != peer.parents || force_send) set_parents(task, peer, std::move(chosen));
  stats_.schedule_time.observe(now_() - began);
}

void swarm::schedule_all(task_state& task) {
  for (auto& [id, p] : task.peers)
    if (!p.is_source && !p.done && p.parents.size() <= limits_.max_parents) schedule(task, p);
}

void swarm::relink(task_state& task, peer_state& peer, const std::vector<std::string>& parents) {
  const std::set<std::string> next(parents.begin(), parents.end());
  for (const auto& old : std::set<std::string>(peer.parents)) {
    if (next.contains(old)) continue;
    auto& parent = task.peers.at(old);
    parent.children.erase(peer.peer_id);
    if (auto h = hosts_.find(parent.host_id); h != hosts_.end() && h->second.children > 0) --h->second.children;
    peer.parents.erase(old);
  }
  for (const auto& id : parents) {
    if (!peer.parents.insert(id).second) continue;
    auto& parent = task.peers.at(id);
    parent.children.insert(peer.peer_id);
    if (auto h = hosts_.find(parent.host_id); h != hosts_.end()) ++h->second.children;
  }
}

void swarm::set_parents(task_state& task, peer_state& peer, std::vector<std::string> parents) {
  relink(task, peer, parents);
  if (peer.is_source || peer.done) return;
  // Digests travel once per peer (later ones come with `have`), not with every parent set.
  proto::parents msg{task.request.task_id, peer.peer_id, {}, {}};
  if (peer.digests_sent < task.digests.size()) {
    msg.digests = task.digests;
    peer.digests_sent = task.digests.size();
  }
  for (const auto& id : parents) {
    const auto& parent = task.peers.at(id);
    const auto& host = hosts_.at(parent.host_id).info;
    proto::parent_info info{id, host.host_id, host.ip, host.upload_port, parent.is_source, {}};
    if (parent.is_source) {
      info.pieces = source_pieces_for(task, peer);
    } else {
      for (std::uint32_t i = 0; i < parent.pieces.size(); ++i)
        if (parent.pieces.has(piece_index(i))) info.pieces.push_back(i);
    }
    if (info.pieces.size() > max_listed_pieces) {  // a bitfield is smaller: 2 hex digits per 8 pieces
      bitfield held(task.piece_count());
      for (const auto i : info.pieces) held.set(piece_index(i));
      info.held = held.to_hex();
      info.pieces.clear();
    }
    msg.parents.push_back(std::move(info));
  }
  stats_.reschedules.add();
  spdlog::debug("task {}: peer {} gets {} parents: {}", task.request.task_id, peer.peer_id,
                parents.size(), fmt::join(parents, ", "));
  out_(peer.host_id, std::move(msg));
}

void swarm::send_task_info(const task_state& task, const peer_state& peer) {
  out_(peer.host_id,
       proto::task_info{task.request.task_id, peer.peer_id, task.content_length, task.piece_size, task.signer});
}

void swarm::remove_peer(task_state& task, const std::string& peer_id) {
  const auto it = task.peers.find(peer_id);
  if (it == task.peers.end()) return;
  peer_state& peer = it->second;
  relink(task, peer, {});
  const std::set<std::string> orphans = peer.children;
  for (const auto& c : orphans) {
    auto& child = task.peers.at(c);
    set_parents(task, child, parents_except(child, peer_id));
  }
  if (auto h = hosts_.find(peer.host_id); h != hosts_.end()) h->second.peers.erase({task.request.task_id, peer_id});
  const bool was_source = task.source_peer == peer_id;
  const std::set<std::uint32_t> share = peer.source_assigned;
  task.peers.erase(it);
  if (auto pos = std::find(task.peer_list.begin(), task.peer_list.end(), peer_id); pos != task.peer_list.end()) {
    *pos = std::move(task.peer_list.back());
    task.peer_list.pop_back();
  }
  if (was_source) task.source_peer.clear();
  const std::string task_id = task.request.task_id;
  if (task.peers.empty()) {
    tasks_.erase(task_id);
    stats_.tasks.set(tasks_.size());
    return;
  }
  if (was_source) ensure_source(task);
  else reassign_source_pieces(task, share);
  for (const auto& c : orphans)
    if (auto p = task.peers.find(c); p != task.peers.end()) schedule(task, p->second, true);
}

void swarm::fail_task(task_state& task, const std::string& message, int origin_status,
                      const std::string& error_type) {
  const std::string task_id = task.request.task_id;
  spdlog::warn("task {} failed at its source: {}", task_id, message);
  stats_.tasks_failed.add();
  for (auto& [id, p] : task.peers) {
    // The source reported its own failure; every other unfinished peer fails with the task.
    if (!p.is_source && !p.done) report_download(task, p, false, 0, 0, error_class_of(error_type, origin_status));
    if (!p.is_source) out_(p.host_id, proto::task_failed{task_id, id, message, origin_status, error_type});
    relink(task, p, {});
    if (auto h = hosts_.find(p.host_id); h != hosts_.end()) h->second.peers.erase({task_id, id});
  }
  tasks_.erase(task_id);
  stats_.tasks.set(tasks_.size());
}

void swarm::report_download(const task_state& task, const peer_state& peer, bool ok, std::uint64_t from_peers,
                            std::uint64_t from_origin, const std::string& error_class) {
  if (!download_sink_ || peer.announced_complete) return;
  download_report r;
  r.task_id = task.request.task_id;
  r.host_id = peer.host_id;
  if (const auto h = hosts_.find(peer.host_id); h != hosts_.end()) r.hostname = h->second.info.hostname;
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now_() - peer.registered_at).count();
  r.content_bytes = ok ? std::max<std::int64_t>(task.content_length, 0) : 0;
  r.bytes_from_peers = from_peers;
  r.bytes_from_origin = from_origin;
  r.success = ok;
  r.error_class = error_class;
  download_sink_(std::move(r));
}

void swarm::on_host_gone(const std::string& host_id) {
  const auto h = hosts_.find(host_id);
  if (h == hosts_.end()) return;
  const auto peers = h->second.peers;
  spdlog::info("host {} left ({} peers dropped)", host_id, peers.size());
  for (const auto& [task_id, peer_id] : peers)
    if (auto t = tasks_.find(task_id); t != tasks_.end()) remove_peer(t->second, peer_id);
  if (h->second.info.seed) --seed_hosts_;
  hosts_.erase(host_id);
  for (auto& [id, task] : tasks_)
    if (task.seed_pending_host == host_id) {
      task.seed_pending_host.clear();
      ensure_source(task);
    }
  count_hosts();
}

}  // namespace df::scheduler
