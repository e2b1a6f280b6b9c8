#include "scheduler/swarm.hpp"
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace df::scheduler {
namespace {

using namespace testing;

selection_limits parents_at_most(std::size_t n) {
  selection_limits l;
  l.max_parents = n;
  return l;
}

// Children of every non-seed host, by host.
std::map<std::string, std::uint32_t> loads(const recorder& r) {
  std::map<std::string, std::uint32_t> out;
  for (const auto& [id, h] : r.sw.hosts())
    if (!h.info.seed) out[id] = h.children;
  return out;
}

std::vector<std::string> host_names(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("h" + std::to_string(i));
  return out;
}

TEST(mesh_balance, late_joiners_take_children_from_the_busiest_parents) {
  // Peers with room for a parent take every newcomer, so the first peers to join end up parents
  // of everyone and the last ones of nobody, unless a newcomer relieves the busiest parents.
  recorder r(parents_at_most(3));
  r.host("seed", true);
  for (const auto& n : host_names(12)) r.host(n);
  for (const auto& n : host_names(12)) r.reg(n, "p" + n);
  const auto load = loads(r);
  const auto [lo, hi] = std::minmax_element(load.begin(), load.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_GE(lo->second, 1u) << lo->first << " uploads to nobody";
  EXPECT_LE(hi->second - lo->second, 2u) << hi->first << " has " << hi->second << " children, " << lo->first
                                          << " " << lo->second;
  // Nobody lost a parent on the way: each still has max_parents (plus the seed, not counted).
  for (const auto& [id, p] : r.sw.tasks().at(tid).peers)
    if (!p.is_source) {
      EXPECT_EQ(p.parents.size() - p.parents.count("ps"), 3u) << id;
    }
}

TEST(mesh_balance, in_a_big_task_a_joiner_changes_nobodys_parents) {
  // Beyond candidate_sample peers, candidates are sampled at random and swaps would cost a
  // `parents` message each at every join (10,000 peers: seconds of scheduler latency).
  selection_limits l = parents_at_most(2);
  l.candidate_sample = 4;
  recorder r(l);
  r.host("seed", true);
  for (const auto& n : host_names(9)) r.host(n);
  for (const auto& n : host_names(8)) r.reg(n, "p" + n);
  std::map<std::string, std::set<std::string>> before;
  for (const auto& [id, p] : r.sw.tasks().at(tid).peers)
    if (p.parents.size() >= 2) before[id] = p.parents;
  ASSERT_FALSE(before.empty());
  r.reg("h8", "ph8");
  for (const auto& [id, parents] : before)
    for (const auto& kept : parents) EXPECT_TRUE(r.sw.tasks().at(tid).peers.at(id).parents.contains(kept)) << id;
}

TEST(mesh_balance, a_parent_in_another_idc_is_traded_for_one_of_the_own_idc_when_it_joins) {
  recorder r;
  r.host("seed", true, "a");
  r.host("a1", false, "a");
  r.host("b1", false, "b");
  r.host("b2", false, "b");
  r.reg("a1", "pa1");
  r.reg("b1", "pb1");  // nobody of idc b yet: it must take a1
  const auto& b1 = r.sw.tasks().at(tid).peers.at("pb1");
  ASSERT_TRUE(b1.parents.contains("pa1"));
  r.reg("b2", "pb2");
  EXPECT_FALSE(b1.parents.contains("pa1"));
  EXPECT_TRUE(b1.parents.contains("pb2"));
  for (const auto& p : r.sw.tasks().at(tid).peers.at("pb2").parents) EXPECT_NE(p, "pa1");
}

}  // namespace
}  // namespace df::scheduler
