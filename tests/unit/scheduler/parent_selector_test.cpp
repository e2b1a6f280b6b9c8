#include "scheduler/parent_selector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace df::scheduler {
namespace {

// A tiny swarm built from a description: each peer "name:pieces[:parent,parent]" lives on host
// "h-name"; pieces is a string like "11 0" ('1' = held). A peer named "seed" is the source.
struct swarm_fixture {
  task_state task;
  std::map<std::string, host_state> hosts;

  void add(const std::string& name, const std::string& pieces, std::vector<std::string> parents = {},
           std::string idc = "") {
    auto& h = hosts["h-" + name];
    h.info.host_id = "h-" + name;
    h.info.idc = std::move(idc);
    auto& p = task.peers[name];
    task.peer_list.push_back(name);
    p.peer_id = name;
    p.host_id = "h-" + name;
    p.is_source = name == "seed";
    if (p.is_source) task.source_peer = name;
    p.pieces = bitfield(static_cast<std::uint32_t>(pieces.size()));
    for (std::uint32_t i = 0; i < pieces.size(); ++i)
      if (pieces[i] == '1') p.pieces.set(piece_index(i));
    for (auto& parent : parents) {
      p.parents.insert(parent);
      task.peers[parent].children.insert(name);
    }
  }
  std::vector<std::string> select(const std::string& peer, selection_limits limits = {}) {
    auto v = select_parents(task, peer, hosts, limits);
    std::sort(v.begin(), v.end());
    return v;
  }
};

using names = std::vector<std::string>;

TEST(parent_selector, never_itself_and_peers_without_pieces_yet_are_candidates) {
  swarm_fixture s;
  s.add("seed", "0000");
  s.add("a", "1100");
  s.add("b", "0000");  // nothing yet, but connected already when its first piece arrives
  s.add("c", "0000");
  EXPECT_EQ(s.select("c"), (names{"a", "b", "seed"}));
  EXPECT_EQ(s.select("a"), (names{"b", "c", "seed"}));
}

TEST(parent_selector, parents_may_be_mutual_peers_trade_pieces) {
  swarm_fixture s;
  s.add("seed", "1111");
  s.add("a", "1100", {"seed"});
  s.add("b", "0011", {"a"});
  s.add("c", "1010", {"b"});  // c descends from a through b: still a parent for a
  EXPECT_EQ(s.select("a"), (names{"b", "c", "seed"}));
}

TEST(parent_selector, a_peer_on_the_same_host_is_not_a_parent) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("a", "11");
  s.add("b", "00");
  s.task.peers["a"].host_id = "h-b";
  EXPECT_EQ(s.select("b"), (names{"seed"}));
}

TEST(parent_selector, blocked_parents_are_skipped) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("a", "11");
  s.add("b", "00");
  s.task.peers["b"].blocked_parents.insert("a");
  EXPECT_EQ(s.select("b"), (names{"seed"}));
}

TEST(parent_selector, hosts_without_free_upload_slots_are_skipped) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("a", "11");
  s.add("b", "00");
  s.hosts["h-a"].children = 2;
  EXPECT_EQ(s.select("b", {4, 2}), (names{"seed"}));
  EXPECT_EQ(s.select("b", {4, 3}), (names{"a", "seed"}));
}

TEST(parent_selector, the_source_is_a_parent_even_when_its_host_is_full) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("b", "00");
  s.hosts["h-seed"].children = 500;  // e.g. many tasks at once on one seed host
  EXPECT_EQ(s.select("b", {4, 64}), (names{"seed"}));
}

TEST(parent_selector, caps_at_max_parents_plus_the_source_preferring_more_pieces) {
  swarm_fixture s;
  s.add("seed", "1111");
  s.add("a", "1000");
  s.add("b", "1100");
  s.add("c", "1110");
  s.add("d", "0000");
  EXPECT_EQ(s.select("d", {2, 64}), (names{"b", "c", "seed"}));
}

TEST(parent_selector, free_upload_capacity_wins_over_more_pieces) {
  swarm_fixture s;
  s.add("seed", "1111");
  s.add("busy", "1111");
  s.add("idle", "1000");
  s.add("me", "0000");
  s.hosts["h-busy"].children = 3;
  EXPECT_EQ(s.select("me", {1, 64}), (names{"idle", "seed"}));
}

TEST(parent_selector, same_idc_wins_over_more_pieces) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("near", "10", {}, "idc-1");
  s.add("far", "11", {}, "idc-2");
  s.add("me", "00", {}, "idc-1");
  EXPECT_EQ(s.select("me", {1, 64}), (names{"near", "seed"}));
}

TEST(parent_selector, another_idc_only_when_the_own_idc_has_no_candidate) {
  swarm_fixture s;
  s.add("seed", "11", {}, "idc-1");
  s.add("near", "00", {}, "idc-2");
  s.add("far", "11", {}, "idc-1");
  s.add("me", "00", {"far"}, "idc-2");
  EXPECT_EQ(s.select("me"), (names{"near", "seed"}));  // the current far parent is dropped too
  s.task.peers.erase("near");
  EXPECT_EQ(s.select("me"), (names{"far", "seed"}));
}

TEST(parent_selector, big_tasks_look_at_a_sample_that_differs_per_peer) {
  swarm_fixture s;
  s.add("seed", "1");
  for (int i = 0; i < 1000; ++i) s.add("p" + std::to_string(i), "0");
  selection_limits limits;
  limits.candidate_sample = 32;
  std::set<std::string> seen;
  for (const auto* me : {"p1", "p2", "p3"}) {
    const auto chosen = s.select(me, limits);
    EXPECT_EQ(chosen.size(), limits.max_parents + 1) << me;
    EXPECT_EQ(std::count(chosen.begin(), chosen.end(), "seed"), 1) << me;  // the source, sampled or not
    EXPECT_EQ(std::count(chosen.begin(), chosen.end(), me), 0);
    seen.insert(chosen.begin(), chosen.end());
  }
  EXPECT_GT(seen.size(), limits.max_parents + 2);  // not everyone gets the same parents
  EXPECT_EQ(sample_peers(s.task, limits, 7).size(), 32u);
}

TEST(parent_selector, keeps_current_valid_parents) {
  swarm_fixture s;
  s.add("seed", "11");
  s.add("a", "10");
  s.add("b", "11");
  s.add("me", "00", {"a"});
  EXPECT_EQ(s.select("me", {1, 64}), (names{"a", "seed"}));  // b has more pieces but a stays
}

}  // namespace
}  // namespace df::scheduler
