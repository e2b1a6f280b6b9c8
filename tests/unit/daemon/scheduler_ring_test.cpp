#include "daemon/scheduler_ring.hpp"

#include "core/digest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace df::daemon {
namespace {

/// Task IDs as daemons see them: sha256 hex strings.
std::vector<std::string> task_ids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(sha256_hex("https://example.com/blob/" + std::to_string(i)));
  return ids;
}

std::string owner_address(const scheduler_ring& ring, const std::string& key) {
  return ring.members()[ring.owner(key)];
}

TEST(scheduler_ring, every_daemon_agrees_whatever_order_it_lists_the_schedulers_in) {
  const scheduler_ring a({"10.0.0.1:8002", "10.0.0.2:8002", "10.0.0.3:8002"});
  const scheduler_ring b({"10.0.0.3:8002", "10.0.0.1:8002", "10.0.0.2:8002"});
  for (const auto& id : task_ids(2000)) ASSERT_EQ(owner_address(a, id), owner_address(b, id)) << id;
}

TEST(scheduler_ring, tasks_spread_roughly_evenly) {
  const scheduler_ring ring({"10.0.0.1:8002", "10.0.0.2:8002", "10.0.0.3:8002"});
  std::map<std::size_t, std::size_t> count;
  const std::size_t n = 30000;
  for (const auto& id : task_ids(n)) ++count[ring.owner(id)];
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [member, tasks] : count) {
    EXPECT_GT(tasks, n / 3 * 3 / 4) << ring.members()[member];
    EXPECT_LT(tasks, n / 3 * 5 / 4) << ring.members()[member];
  }
}

TEST(scheduler_ring, adding_a_scheduler_moves_about_its_share_and_only_to_it) {
  const scheduler_ring before({"10.0.0.1:8002", "10.0.0.2:8002", "10.0.0.3:8002"});
  const scheduler_ring after({"10.0.0.1:8002", "10.0.0.2:8002", "10.0.0.3:8002", "10.0.0.4:8002"});
  const auto ids = task_ids(20000);
  std::size_t moved = 0;
  for (const auto& id : ids) {
    const auto was = owner_address(before, id), now = owner_address(after, id);
    if (was == now) continue;
    ++moved;
    ASSERT_EQ(now, "10.0.0.4:8002") << id;  // nothing moves between the old ones
  }
  EXPECT_GT(moved, ids.size() / 4 * 3 / 4);  // about 1/4 of the tasks
  EXPECT_LT(moved, ids.size() / 4 * 5 / 4);
}

TEST(scheduler_ring, removing_a_scheduler_moves_only_its_tasks_to_their_next_choice) {
  const scheduler_ring all({"10.0.0.1:8002", "10.0.0.2:8002", "10.0.0.3:8002"});
  const scheduler_ring left({"10.0.0.1:8002", "10.0.0.3:8002"});
  std::size_t moved = 0;
  const auto ids = task_ids(20000);
  for (const auto& id : ids) {
    const auto was = owner_address(all, id), now = owner_address(left, id);
    if (was != "10.0.0.2:8002") {
      ASSERT_EQ(was, now) << id;
      continue;
    }
    ++moved;
    // The daemon's failover (the next live one in preference order) lands where a ring without
    // the dead scheduler would put the task: all daemons meet there too.
    ASSERT_EQ(all.members()[all.preference(id).at(1)], now) << id;
  }
  EXPECT_GT(moved, ids.size() / 3 * 3 / 4);
  EXPECT_LT(moved, ids.size() / 3 * 5 / 4);
}

TEST(scheduler_ring, preference_names_every_scheduler_once_starting_with_the_owner) {
  const scheduler_ring ring({"a:1", "b:2", "c:3", "d:4"});
  for (const auto& id : task_ids(200)) {
    auto order = ring.preference(id);
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(order.front(), ring.owner(id));
    std::sort(order.begin(), order.end());
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3}));
  }
}

TEST(scheduler_ring, one_scheduler_owns_everything_and_repeats_count_once) {
  const scheduler_ring one({"s:8002", "s:8002"});
  ASSERT_EQ(one.members(), std::vector<std::string>{"s:8002"});
  for (const auto& id : task_ids(100)) {
    EXPECT_EQ(one.owner(id), 0u);
    EXPECT_EQ(one.preference(id), std::vector<std::size_t>{0});
  }
  EXPECT_TRUE(scheduler_ring({}).preference("x").empty());
}

TEST(scheduler_ring, a_task_goes_to_the_first_live_scheduler_and_waits_for_one_not_yet_tried) {
  using link = scheduler_ring::link;
  const scheduler_ring ring({"a:1", "b:2", "c:3"});
  for (const auto& id : task_ids(50)) {
    const auto order = ring.preference(id);
    std::vector<link> links(3, link::up);
    EXPECT_EQ(ring.live_owner(id, links), order[0]);
    links[order[0]] = link::down;  // the owner is lost: the next one on the ring
    EXPECT_EQ(ring.live_owner(id, links), order[1]);
    links[order[1]] = link::untried;  // the next one not tried yet: wait rather than split
    EXPECT_EQ(ring.live_owner(id, links), std::nullopt);
    links[order[1]] = link::down;
    EXPECT_EQ(ring.live_owner(id, links), order[2]);
    links[order[2]] = link::down;
    EXPECT_EQ(ring.live_owner(id, links), std::nullopt);
    links[order[0]] = link::up;  // the owner is back: its tasks come back
    EXPECT_EQ(ring.live_owner(id, links), order[0]);
  }
  const scheduler_ring one({"s:8002"});
  EXPECT_EQ(one.live_owner("x", {link::up}), 0u);
  EXPECT_EQ(one.live_owner("x", {link::untried}), std::nullopt);
  EXPECT_EQ(one.live_owner("x", {link::down}), std::nullopt);
}

}  // namespace
}  // namespace df::daemon
