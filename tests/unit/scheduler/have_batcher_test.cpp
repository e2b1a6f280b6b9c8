#include "scheduler/have_batcher.hpp"

#include <gtest/gtest.h>

namespace df::scheduler {
namespace {

namespace proto = net::proto;

proto::have have(const std::string& peer, const std::string& parent, std::uint32_t piece) {
  return proto::have{std::string(64, 'a'), peer, parent, {proto::piece_entry{piece, "d" + std::to_string(piece)}}};
}

TEST(have_batcher, merges_per_peer_and_parent_and_says_when_to_flush) {
  have_batcher b;
  EXPECT_TRUE(b.add("h1", have("c1", "p1", 3)));  // first one: the caller schedules a flush
  EXPECT_FALSE(b.add("h1", have("c1", "p1", 1)));
  EXPECT_FALSE(b.add("h1", have("c1", "p2", 2)));  // another parent: another message
  EXPECT_FALSE(b.add("h2", have("c2", "p1", 3)));  // another child
  auto out = b.take();
  ASSERT_EQ(out.size(), 3u);
  const auto& [host, merged] = out[0];
  EXPECT_EQ(host, "h1");
  EXPECT_EQ(merged.peer_id, "c1");
  EXPECT_EQ(merged.parent_peer_id, "p1");
  ASSERT_EQ(merged.pieces.size(), 2u);
  EXPECT_EQ(merged.pieces[0].piece, 3u);  // in the order they came
  EXPECT_EQ(merged.pieces[1].piece, 1u);
  EXPECT_EQ(merged.pieces[1].digest, "d1");
  EXPECT_TRUE(b.take().empty());
  EXPECT_TRUE(b.add("h1", have("c1", "p1", 4)));  // empty again after take()
}

}  // namespace
}  // namespace df::scheduler
