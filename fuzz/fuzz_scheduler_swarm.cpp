// The scheduler's whole message path with state: any sequence of messages from four hosts (one
// of them a seed), decoded as the service decodes them and fed to one swarm, with ticks and hosts
// leaving and coming back in between. The swarm never crashes and its model stays consistent:
// every parent and child edge names a peer of the task, every peer a known host, no quarantined
// holder is anyone's parent.
//
// Input: records of [op u8][length u16 big-endian][payload]. op & 3 picks the host; op 0xF0 and
// up ticks the clock, 0xE0-0xEF drops the host and says hello again, anything else delivers the
// payload as a message from the host.
#include "fuzz_check.hpp"
#include "net/scheduler_protocol.hpp"
#include "scheduler/job_targets.hpp"
#include "scheduler/swarm.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace {

namespace proto = df::net::proto;
using namespace df::scheduler;

proto::host_info host(int i) {
  proto::host_info h;
  h.host_id = "h" + std::to_string(i);
  h.hostname = h.host_id;
  h.ip = "10.0.0." + std::to_string(i + 1);
  h.upload_port = 65002;
  h.idc = i % 2 ? "a" : "b";
  h.seed = i == 0;
  h.features = {"reverify"};  // quarantines ask for reverify, whose answers the input may forge
  return h;
}

void check_model(const swarm& sw) {
  for (const auto& [task_id, task] : sw.tasks()) {
    for (const auto& [peer_id, peer] : task.peers) {
      DF_FUZZ_CHECK(sw.hosts().contains(peer.host_id));
      for (const auto& p : peer.parents) DF_FUZZ_CHECK(task.peers.contains(p));
      for (const auto& c : peer.children) DF_FUZZ_CHECK(task.peers.contains(c));
      // A quarantined holder is nobody's parent; a reverify is only pending after a quarantine.
      for (const auto& p : peer.parents) DF_FUZZ_CHECK(!task.peers.at(p).quarantined);
      DF_FUZZ_CHECK(!peer.reverify_pending || peer.quarantines > 0);
    }
    DF_FUZZ_CHECK(task.peer_list.size() == task.peers.size());
    // A manager's job reaches connected hosts only; single_seed_peer at most one seed.
    for (const auto* scope : {"single_seed_peer", "all_seed_peers", "all_peers"})
      for (const auto& h : job_targets(scope, task_id, sw.hosts())) DF_FUZZ_CHECK(sw.hosts().contains(h));
    const auto one = job_targets("single_seed_peer", task_id, sw.hosts());
    DF_FUZZ_CHECK(one.size() <= 1 && (one.empty() || sw.hosts().at(one[0]).info.seed));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  spdlog::set_level(spdlog::level::off);
  df::net::metrics_registry metrics;
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  std::size_t sent = 0;
  selection_limits limits;
  limits.max_peers_per_host = 64;
  swarm sw(limits, [&](const std::string&, proto::message m) { sent += proto::split_for_wire(std::move(m)).size(); },
           swarm_stats::create(metrics), [&] { return now; });
  for (int i = 0; i < 4; ++i) sw.on_hello(host(i));
  std::size_t at = 0;
  while (at + 3 <= size) {
    const unsigned op = data[at];
    const std::size_t length = std::size_t{data[at + 1]} << 8 | data[at + 2];
    at += 3;
    const std::string payload(reinterpret_cast<const char*>(data + at), std::min(length, size - at));
    at += payload.size();
    const std::string id = "h" + std::to_string(op & 3);
    if (op >= 0xF0) {
      now += std::chrono::seconds(op & 0x0F);
      sw.tick();
    } else if (op >= 0xE0) {
      sw.on_host_gone(id);
      sw.on_hello(host(static_cast<int>(op & 3)));
    } else if (auto m = proto::decode(payload); m && !std::holds_alternative<proto::hello>(*m)) {
      (void)sw.on_message(id, *m);  // a refusal is fine; a crash or a broken model is not
    }
    check_model(sw);
  }
  return 0;
}
