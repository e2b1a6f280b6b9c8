#include "daemon/fair_share.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

swarm_progress at(std::uint32_t mine, double parents_mean, std::uint32_t piece_count = 1000, std::size_t parents = 7) {
  return swarm_progress{mine, parents_mean, parents, piece_count};
}

TEST(fair_share, keeps_the_configured_number_near_the_parents_progress) {
  EXPECT_EQ(fair_share_limit(12, at(500, 500)), 12u);
  EXPECT_EQ(fair_share_limit(12, at(519, 500)), 12u);  // within 2 % of the task
  EXPECT_EQ(fair_share_limit(12, at(481, 500)), 12u);
}

TEST(fair_share, a_peer_ahead_asks_for_less_and_a_peer_behind_for_more) {
  EXPECT_EQ(fair_share_limit(12, at(530, 500)), 9u);
  EXPECT_EQ(fair_share_limit(12, at(470, 500)), 18u);
  EXPECT_EQ(fair_share_limit(1, at(900, 100)), 1u);  // never none
}

TEST(fair_share, small_tasks_need_at_least_four_pieces_of_difference) {
  EXPECT_EQ(fair_share_limit(12, at(13, 10, 64)), 12u);
  EXPECT_EQ(fair_share_limit(12, at(15, 10, 64)), 9u);
  EXPECT_EQ(fair_share_limit(12, at(5, 10, 64)), 18u);
}

TEST(fair_share, without_peer_parents_or_a_layout_nothing_changes) {
  EXPECT_EQ(fair_share_limit(12, at(0, 500, 1000, 0)), 12u);  // only the seed
  EXPECT_EQ(fair_share_limit(12, at(0, 500, 0)), 12u);       // layout not known yet
}

}  // namespace
}  // namespace df::daemon
