#pragma once
// Test support for the scheduler's swarm: drives it on a fake clock and records what it sends.

#include "core/ids.hpp"
#include "scheduler/swarm.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace df::scheduler::testing {

namespace proto = net::proto;
inline const std::string test_url = "http://o/f";
inline const std::string tid = compute_task_id({test_url, "", "", {}});  // the scheduler checks it
inline constexpr std::int64_t ps = 4096;  // piece size in these tests (the smallest the scheduler accepts)

// Drives the swarm on a fake clock and records every message it sends, per host.
struct recorder {
  explicit recorder(selection_limits l = {}) : limits(l) {}

  selection_limits limits;
  net::metrics_registry metrics;
  std::vector<std::pair<std::string, proto::message>> sent;
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  swarm sw{limits, [this](const std::string& h, proto::message m) { sent.emplace_back(h, std::move(m)); },
           swarm_stats::create(metrics), [this] { return now; }};

  // Moves the clock past the start-up grace period and lets the swarm retry deferred decisions.
  void later() {
    now += limits.source_election_delay + std::chrono::seconds(1);
    sw.tick();
  }

  void host(const std::string& id, bool seed = false, const std::string& idc = "",
            std::vector<std::string> features = {}) {
    proto::host_info h;
    h.features = std::move(features);
    h.host_id = id;
    h.idc = idc;
    h.ip = "127.0.0.1";
    h.upload_port = 1;
    h.seed = seed;
    sw.on_hello(h);
  }
  void reg(const std::string& host, const std::string& peer) {
    sw.on_message(host, proto::register_peer{tid, peer, test_url, {{"Authorization", "x"}}, "", "", {}});
  }
  // A seed host and `names` (with their idc, if given in `idcs`; "seed" for the seed's); each
  // host's peer "p<name>" registers, then the seed's peer "ps".
  void peers_then_seed(const std::vector<std::string>& names, const std::map<std::string, std::string>& idcs = {}) {
    const auto idc = [&](const std::string& n) { return idcs.contains(n) ? idcs.at(n) : std::string(); };
    host("seed", true, idc("seed"));
    for (const auto& n : names) host(n, false, idc(n));
    for (const auto& n : names) reg(n, "p" + n);
    reg("seed", "ps");
  }
  // The source learns the layout (`count` pieces of `ps` bytes) and stores the first `stored` pieces
  // (all of them by default).
  void source_holds(std::uint32_t count, std::optional<std::uint32_t> stored = std::nullopt) {
    sw.on_message("seed", proto::task_meta{tid, "ps", count * ps, ps});
    for (std::uint32_t i = 0; i < stored.value_or(count); ++i) source_stores(i);
  }
  void source_stores(std::uint32_t piece) {
    sw.on_message("seed", proto::piece_done{tid, "ps", piece, "d" + std::to_string(piece)});
  }
  // A seed, hosts a and b; a registered, the seed fetching a task of 2.5 pieces (3 pieces).
  void seeded_task() {
    host("seed", true);
    host("a");
    host("b");
    reg("a", "pa");
    reg("seed", "ps");
    sw.on_message("seed", proto::task_meta{tid, "ps", 5 * ps / 2, ps});
  }
  // A metric's value from the rendered /metrics text; -1 when it is not there.
  double metric(const std::string& name) {
    const std::string text = metrics.render();
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }
  template <class T>
  std::vector<T> to(const std::string& host) {
    std::vector<T> out;
    for (const auto& [h, m] : sent)
      if (h == host)
        if (const auto* v = std::get_if<T>(&m)) out.push_back(*v);
    return out;
  }
};

// Which of the source's pieces each host was told of, from `have` and `parents` messages.
inline std::map<std::string, std::set<std::uint32_t>> told_by_source(recorder& r, const std::vector<std::string>& hosts) {
  std::map<std::string, std::set<std::uint32_t>> out;
  for (const auto& h : hosts) {
    for (const auto& m : r.to<proto::have>(h))
      if (m.parent_peer_id == "ps")
        for (const auto& e : m.pieces) out[h].insert(e.piece);
    for (const auto& m : r.to<proto::parents>(h))
      for (const auto& p : m.parents)
        if (p.peer_id == "ps") out[h].insert(p.pieces.begin(), p.pieces.end());
  }
  return out;
}

}  // namespace df::scheduler::testing
