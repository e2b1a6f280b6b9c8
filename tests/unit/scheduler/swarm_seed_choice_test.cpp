// The swarm asking seeds to source new tasks: the requester's idc first, spread by task, around
// seeds at capacity, and on to the idc's other seed when one dies (seed_choice.hpp decides).
#include "scheduler/seed_choice.hpp"
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace df::scheduler {
namespace {

using namespace testing;

const std::string outside_idc = "dragonfly_scheduler_seed_triggers_outside_idc_total";

// Registers peer `peer` of `host` for the task of URL `url`; returns the task ID.
std::string reg_url(recorder& r, const std::string& host, const std::string& peer, const std::string& url) {
  const std::string id = compute_task_id({url, "", "", {}});
  EXPECT_TRUE(r.sw.on_message(host, proto::register_peer{id, peer, url, {}, "", "", {}}));
  return id;
}

// The hosts that were sent a seed_task for `task_id`.
std::set<std::string> asked(recorder& r, const std::string& task_id) {
  std::set<std::string> out;
  for (const auto& [h, m] : r.sent)
    if (const auto* s = std::get_if<proto::seed_task>(&m); s && s->task_id == task_id) out.insert(h);
  return out;
}

TEST(swarm_seed_choice, the_seed_of_the_requesters_idc_sources_the_task) {
  recorder r;
  r.host("seed-a", true, "a");
  r.host("seed-b", true, "b");
  r.host("x", false, "b");
  r.host("y", false, "a");
  for (int i = 0; i < 10; ++i) {
    const auto from_b = reg_url(r, "x", "px" + std::to_string(i), "http://o/b" + std::to_string(i));
    EXPECT_EQ(asked(r, from_b), std::set<std::string>{"seed-b"});
    const auto from_a = reg_url(r, "y", "py" + std::to_string(i), "http://o/a" + std::to_string(i));
    EXPECT_EQ(asked(r, from_a), std::set<std::string>{"seed-a"});
  }
  EXPECT_EQ(r.metric(outside_idc), 0);
}

TEST(swarm_seed_choice, the_requester_is_the_peer_that_registered_the_task_first) {
  recorder r;
  r.host("seed-a", true, "a");
  r.host("seed-b", true, "b");
  r.host("x", false, "b");
  r.host("y", false, "a");
  r.reg("x", "px");
  r.reg("y", "py");  // joins the task: no second seed, and the task stays b's
  EXPECT_EQ(asked(r, tid), std::set<std::string>{"seed-b"});
  r.sw.on_host_gone("seed-b");  // b has no seed left: a's serves, outside the requester's idc
  EXPECT_EQ(asked(r, tid), (std::set<std::string>{"seed-a", "seed-b"}));
  EXPECT_EQ(r.metric(outside_idc), 1);
}

TEST(swarm_seed_choice, a_requester_in_an_idc_without_seeds_gets_another_and_it_is_counted) {
  recorder r;
  r.host("seed-a", true, "a");
  r.host("z", false, "c");
  r.reg("z", "pz");
  EXPECT_EQ(r.to<proto::seed_task>("seed-a").size(), 1u);
  EXPECT_EQ(r.metric(outside_idc), 1);
}

TEST(swarm_seed_choice, the_second_seed_of_the_idc_takes_over_when_the_first_dies) {
  recorder r;
  r.host("seed-a1", true, "a");
  r.host("seed-a2", true, "a");
  r.host("seed-b", true, "b");
  r.host("x", false, "a");
  r.reg("x", "px");
  const auto first = asked(r, tid);
  ASSERT_EQ(first.size(), 1u);
  const std::string dying = *first.begin();
  const std::string other = dying == "seed-a1" ? "seed-a2" : "seed-a1";
  ASSERT_NE(dying, "seed-b");
  r.reg(dying, "ps");  // it is the source, fetching
  r.sw.on_host_gone(dying);
  EXPECT_EQ(asked(r, tid), (std::set<std::string>{dying, other}));
  r.reg(other, "ps2");
  EXPECT_EQ(r.sw.tasks().at(tid).source_peer, "ps2");
  // Should that one die too, the idc has no seed left: the other idc's seed, then the origin.
  r.sw.on_host_gone(other);
  EXPECT_EQ(asked(r, tid).count("seed-b"), 1u);
  EXPECT_EQ(r.metric(outside_idc), 1);
  r.sw.on_host_gone("seed-b");
  r.later();
  EXPECT_EQ(r.to<proto::back_to_source>("x").size(), 1u);
}

TEST(swarm_seed_choice, a_seed_at_capacity_is_skipped_and_a_task_never_goes_without_a_seed) {
  selection_limits limits;
  limits.seed_max_tasks = 1;
  recorder r(limits);
  r.host("s1", true);
  r.host("s2", true);
  r.host("x");
  const auto t1 = reg_url(r, "x", "p1", "http://o/1");
  ASSERT_EQ(asked(r, t1).size(), 1u);
  const std::string first = *asked(r, t1).begin();
  // A task that hashes to the same seed as t1 goes to the other: the first is at capacity.
  const auto same_seed = [&](const std::string& url) {
    const auto pick = choose_seed(compute_task_id({url, "", "", {}}), "", {{"s1", "", 0}, {"s2", "", 0}}, 1);
    return pick->host_id == first;
  };
  std::string url2 = "http://o/2";
  for (int i = 0; !same_seed(url2); ++i) url2 = "http://o/2-" + std::to_string(i);
  const auto t2 = reg_url(r, "x", "p2", url2);
  EXPECT_EQ(asked(r, t2), std::set<std::string>{first == "s1" ? "s2" : "s1"});
  // A source that finished no longer counts: the next task goes to its seed, the only one with room.
  r.sw.on_message(first, proto::register_peer{t1, "ps1", "http://o/1", {}, "", "", {}});
  r.sw.on_message(first, proto::task_meta{t1, "ps1", ps, ps});
  r.sw.on_message(first, proto::piece_done{t1, "ps1", 0, "d"});
  r.sw.on_message(first, proto::peer_done{t1, "ps1"});
  const auto t3 = reg_url(r, "x", "p3", "http://o/3");
  EXPECT_EQ(asked(r, t3), std::set<std::string>{first});
  // Both at capacity now: the task still gets a seed.
  const auto t4 = reg_url(r, "x", "p4", "http://o/4");
  EXPECT_EQ(asked(r, t4).size(), 1u);
}

}  // namespace
}  // namespace df::scheduler
