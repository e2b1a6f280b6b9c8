// The swarm against a host that breaks the protocol's rules: every claim it may not make is
// refused with an error (the service then closes its connection) and changes nothing.
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

namespace df::scheduler {
namespace {

using namespace testing;

TEST(swarm_hostile, a_piece_number_past_any_layout_is_refused_without_growing_memory) {
  recorder r;
  r.seeded_task();
  r.reg("b", "pb");
  const auto refused = r.sw.on_message("b", proto::piece_done{tid, "pb", 4294967295u, ""});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::out_of_bounds);
  EXPECT_FALSE(r.sw.on_message("b", proto::piece_done{tid, "pb", 3, ""}));  // the layout has 3 pieces
  EXPECT_EQ(r.sw.tasks().at(tid).peers.at("pb").pieces.size(), 3u);
  EXPECT_TRUE(r.sw.on_message("b", proto::piece_done{tid, "pb", 2, ""}));
}

TEST(swarm_hostile, before_the_layout_a_piece_number_is_bounded_by_the_largest_task) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.reg("a", "pa");
  r.reg("seed", "ps");  // the source, with no layout yet
  EXPECT_FALSE(r.sw.on_message("seed", proto::piece_done{tid, "ps", 4294967294u, "d"}));
  EXPECT_TRUE(r.sw.tasks().at(tid).digests.empty());
  EXPECT_TRUE(r.sw.on_message("seed", proto::piece_done{tid, "ps", 5, "d"}));
}

TEST(swarm_hostile, a_layout_of_one_byte_pieces_or_too_many_pieces_is_refused) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.reg("a", "pa");
  r.reg("seed", "ps");
  EXPECT_FALSE(r.sw.on_message("seed", proto::task_meta{tid, "ps", 4294967295, 1}));
  EXPECT_FALSE(r.sw.on_message("seed", proto::task_meta{tid, "ps", std::int64_t{ps} << 21, ps}));
  EXPECT_FALSE(r.sw.tasks().at(tid).layout_known());
  EXPECT_TRUE(r.to<proto::task_info>("a").empty());
  EXPECT_TRUE(r.sw.on_message("seed", proto::task_meta{tid, "ps", 10 * ps, ps}));
  EXPECT_EQ(r.to<proto::task_info>("a").size(), 1u);
}

TEST(swarm_hostile, a_task_id_that_is_not_its_urls_is_refused) {
  recorder r;
  r.host("seed", true);
  r.host("rogue");
  // The ID of one URL with another URL: the seed would fetch the second and file it as the first.
  const auto refused =
      r.sw.on_message("rogue", proto::register_peer{tid, "px", "http://o/other", {}, "", "", {}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::not_permitted);
  EXPECT_TRUE(r.sw.tasks().empty());
  EXPECT_TRUE(r.to<proto::seed_task>("seed").empty());
  // The tag is part of the identity too.
  EXPECT_FALSE(r.sw.on_message("rogue", proto::register_peer{tid, "px", test_url, {}, "t", "", {}}));
  // Content addressed by digest: the digest's own ID is accepted (the content is checked whole).
  const std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_TRUE(r.sw.on_message(
      "rogue", proto::register_peer{content_task_id(digest), "py", "http://r/v2/x/blobs/" + digest, {}, "", "", {},
                                    false, false, digest}));
}

TEST(swarm_hostile, only_a_seed_may_claim_to_be_a_source) {
  recorder r;
  r.host("seed", true);
  r.host("rogue");
  r.host("b");
  // A plain host pre-registers a source for a URL the fleet will ask for later.
  ASSERT_TRUE(r.sw.on_message("rogue", proto::register_peer{tid, "px", test_url, {}, "", "", {}, true, true}));
  EXPECT_EQ(r.metric("dragonfly_scheduler_claims_ignored_total"), 1);
  EXPECT_FALSE(r.sw.tasks().at(tid).peers.at("px").is_source);
  // Its layout and digests are not taken either.
  r.sw.on_message("rogue", proto::task_meta{tid, "px", 4 * ps, ps});
  r.sw.on_message("rogue", proto::piece_done{tid, "px", 0, "evil"});
  EXPECT_FALSE(r.sw.tasks().at(tid).layout_known());
  // The real seed is asked, and b's parents name the seed as the source.
  EXPECT_EQ(r.to<proto::seed_task>("seed").size(), 1u);
  r.reg("seed", "ps");
  r.reg("b", "pb");
  EXPECT_EQ(r.sw.tasks().at(tid).source_peer, "ps");
  EXPECT_TRUE(r.to<proto::back_to_source>("rogue").empty());
}

TEST(swarm_hostile, a_host_cannot_act_on_another_hosts_peer) {
  recorder r;
  r.seeded_task();
  r.host("rogue");
  r.reg("rogue", "px");
  // The source's peer ID is learnt from a parents message; a spoofed failure would fail the task
  // for every waiter, a spoofed leave would drop the source.
  for (const proto::message& m :
       {proto::message(proto::peer_failed{tid, "ps", "rogue says no", 500, ""}),
        proto::message(proto::leave_peer{tid, "ps"}), proto::message(proto::peer_done{tid, "pa"}),
        proto::message(proto::piece_done{tid, "ps", 0, "evil"}), proto::message(proto::task_meta{tid, "ps", ps, ps}),
        proto::message(proto::parent_failed{tid, "pa", "ps", "spoofed"})}) {
    const auto refused = r.sw.on_message("rogue", m);
    ASSERT_FALSE(refused) << proto::type_name(m);
    EXPECT_EQ(refused.error(), errc::not_permitted);
  }
  const auto& task = r.sw.tasks().at(tid);
  EXPECT_EQ(task.source_peer, "ps");
  EXPECT_EQ(task.content_length, 5 * ps / 2);
  EXPECT_TRUE(task.peers.at("pa").blocked_parents.empty());
  EXPECT_FALSE(task.peers.at("pa").done);
  EXPECT_TRUE(r.to<proto::task_failed>("a").empty());
  // Registering a peer ID another host holds is refused too.
  EXPECT_FALSE(r.sw.on_message("rogue", proto::register_peer{tid, "pa", test_url, {}, "", "", {}}));
}

TEST(swarm_hostile, a_host_has_a_bounded_number_of_peers) {
  selection_limits limits;
  limits.max_peers_per_host = 2;
  recorder r(limits);
  r.host("a");
  r.reg("a", "p1");
  r.reg("a", "p2");
  const auto refused = r.sw.on_message("a", proto::register_peer{tid, "p3", test_url, {}, "", "", {}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), errc::out_of_bounds);
  EXPECT_EQ(r.sw.tasks().at(tid).peers.size(), 2u);
}

TEST(swarm_hostile, messages_only_the_scheduler_sends_are_refused) {
  recorder r;
  r.host("a");
  EXPECT_FALSE(r.sw.on_message("a", proto::seed_task{tid, test_url, {}, "", "", {}, ""}));
  EXPECT_TRUE(r.sw.on_message("a", proto::keepalive{}));
}

}  // namespace
}  // namespace df::scheduler
