#include "scheduler/seed_choice.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace df::scheduler {
namespace {

// Task IDs as the scheduler sees them (hex); only their spread matters here.
std::string task(int i) { return "task-" + std::to_string(i) + "-0123456789abcdef"; }

std::vector<seed_candidate> seeds(const std::vector<std::pair<std::string, std::string>>& host_idc) {
  std::vector<seed_candidate> out;
  for (const auto& [h, idc] : host_idc) out.push_back({h, idc, 0});
  return out;
}

std::string chosen(const std::string& task_id, const std::string& idc, const std::vector<seed_candidate>& s,
                   std::uint32_t max_tasks = 32) {
  const auto pick = choose_seed(task_id, idc, s, max_tasks);
  return pick ? pick->host_id : std::string("(none)");
}

TEST(seed_choice, thirty_tasks_over_three_seeds_give_none_more_than_twice_its_share) {
  const auto s = seeds({{"seed-1:65002", ""}, {"seed-2:65002", ""}, {"seed-3:65002", ""}});
  std::map<std::string, int> count;
  for (int i = 0; i < 30; ++i) ++count[chosen(task(i), "", s)];
  ASSERT_EQ(count.size(), 3u) << "a seed got nothing";
  for (const auto& [h, n] : count) EXPECT_LE(n, 20) << h;
  // Over many tasks the spread is close to even (the hash, not luck with 30 names).
  count.clear();
  for (int i = 0; i < 3000; ++i) ++count[chosen(task(i), "", s)];
  for (const auto& [h, n] : count) {
    EXPECT_GT(n, 930) << h;
    EXPECT_LT(n, 1070) << h;
  }
}

TEST(seed_choice, a_seed_in_the_requesters_idc_is_preferred) {
  const auto s = seeds({{"a1", "a"}, {"a2", "a"}, {"b1", "b"}});
  std::map<std::string, int> from_a, from_b;
  for (int i = 0; i < 30; ++i) {
    ++from_a[chosen(task(i), "a", s)];
    ++from_b[chosen(task(i), "b", s)];
    EXPECT_FALSE(choose_seed(task(i), "a", s, 32)->outside_idc);
  }
  EXPECT_EQ(from_b, (std::map<std::string, int>{{"b1", 30}}));
  EXPECT_EQ(from_a.count("b1"), 0u);
  EXPECT_GE(from_a["a1"], 8);  // both seeds of idc a share its tasks (15 each would be fair)
  EXPECT_GE(from_a["a2"], 8);
}

TEST(seed_choice, without_a_seed_in_the_requesters_idc_any_seed_serves_and_says_so) {
  const auto s = seeds({{"a1", "a"}, {"b1", "b"}});
  const auto pick = choose_seed(task(1), "c", s, 32);
  ASSERT_TRUE(pick);
  EXPECT_TRUE(pick->outside_idc);
  // A requester without an idc is never "outside"; a seed without one is outside the requester's.
  EXPECT_FALSE(choose_seed(task(1), "", s, 32)->outside_idc);
  EXPECT_TRUE(choose_seed(task(1), "a", seeds({{"x", ""}}), 32)->outside_idc);
  EXPECT_FALSE(choose_seed(task(1), "a", {}, 32));
}

TEST(seed_choice, removing_a_seed_moves_only_its_tasks) {
  const auto all = seeds({{"s1", ""}, {"s2", ""}, {"s3", ""}, {"s4", ""}});
  const auto without_s2 = seeds({{"s1", ""}, {"s3", ""}, {"s4", ""}});
  int moved = 0;
  for (int i = 0; i < 200; ++i) {
    const auto before = chosen(task(i), "", all);
    const auto after = chosen(task(i), "", without_s2);
    if (before != "s2") EXPECT_EQ(after, before) << task(i);
    else ++moved;
  }
  EXPECT_GT(moved, 0);  // s2 had tasks, and they went elsewhere
}

TEST(seed_choice, a_seed_at_capacity_is_skipped) {
  auto s = seeds({{"a1", "a"}, {"a2", "a"}, {"b1", "b"}});
  const std::string first = chosen(task(7), "a", s, 4);
  const std::string second = first == "a1" ? "a2" : "a1";
  for (auto& c : s)
    if (c.host_id == first) c.sourcing = 4;
  EXPECT_EQ(chosen(task(7), "a", s, 4), second);  // the other seed of the idc, below capacity
  for (auto& c : s)
    if (c.host_id == second) c.sourcing = 4;
  const auto spill = choose_seed(task(7), "a", s, 4);  // the idc is full: a seed with room elsewhere
  EXPECT_EQ(spill->host_id, "b1");
  EXPECT_TRUE(spill->outside_idc);
}

TEST(seed_choice, when_every_seed_is_at_capacity_the_least_loaded_takes_the_task) {
  auto s = seeds({{"a1", "a"}, {"a2", "a"}, {"b1", "b"}});
  s[0].sourcing = 6;
  s[1].sourcing = 5;
  s[2].sourcing = 4;
  EXPECT_EQ(chosen(task(3), "a", s, 4), "b1");
  s[2].sourcing = 5;  // a tie between a2 and b1: the requester's idc
  EXPECT_EQ(chosen(task(3), "a", s, 4), "a2");
}

TEST(seed_choice, the_choice_is_deterministic_and_ignores_the_order_of_the_seeds) {
  const auto s = seeds({{"s1", "a"}, {"s2", "a"}, {"s3", "a"}});
  const auto reversed = seeds({{"s3", "a"}, {"s2", "a"}, {"s1", "a"}});
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(chosen(task(i), "a", s), chosen(task(i), "a", reversed));
    EXPECT_EQ(chosen(task(i), "a", s), chosen(task(i), "a", s));
  }
  // A pinned value: the weight is the same in every build and process (tasks keep their seed
  // across scheduler restarts and between schedulers).
  EXPECT_EQ(rendezvous_weight("t", "h"), 5828496207049439463ULL);
  EXPECT_NE(rendezvous_weight("ab", "c"), rendezvous_weight("a", "bc"));
}

}  // namespace
}  // namespace df::scheduler
