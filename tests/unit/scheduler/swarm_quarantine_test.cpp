// Quarantine and re-verification: a holder reported by children on enough hosts is asked to
// re-hash the reported pieces (reverify); its answer updates what it holds and, the first time,
// re-admits it; a second quarantine in the task is for good.
#include "scheduler/swarm.hpp"
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

namespace df::scheduler {
namespace {

using namespace testing;

// A seed (source of 3 pieces, all stored), holder a (piece 0 and 1, understands reverify when
// `modern`), and children c, d, e, f on their own hosts.
void holder_and_children(recorder& r, bool modern = true) {
  r.host("seed", true);
  r.host("a", false, "", modern ? std::vector<std::string>{"reverify"} : std::vector<std::string>{});
  r.reg("a", "pa");
  r.reg("seed", "ps");
  r.source_holds(3);
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  r.sw.on_message("a", proto::piece_done{tid, "pa", 1, ""});
  for (const auto* h : {"c", "d", "e", "f"}) {
    r.host(h);
    r.reg(h, std::string("p") + h);
  }
}

// Children on hosts c, d and e report a's pieces `pieces` as corrupt.
void three_reports(recorder& r, std::vector<std::uint32_t> pieces = {1}) {
  for (const auto* h : {"c", "d", "e"})
    ASSERT_TRUE(r.sw.on_message(h, proto::parent_failed{tid, std::string("p") + h, "pa", "piece failed verification",
                                                        pieces}));
}

const peer_state& peer(recorder& r, const std::string& id) { return r.sw.tasks().at(tid).peers.at(id); }

TEST(swarm_quarantine, a_quarantined_holder_is_asked_to_reverify_the_reported_pieces) {
  recorder r;
  holder_and_children(r);
  three_reports(r, {1, 2, 7});  // 2: a does not hold it; 7: no such piece: neither is asked for
  ASSERT_TRUE(peer(r, "pa").quarantined);
  const auto asks = r.to<proto::reverify>("a");
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].task_id, tid);
  EXPECT_EQ(asks[0].peer_id, "pa");
  EXPECT_EQ(asks[0].pieces, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(r.metric("dragonfly_scheduler_reverify_sent_total"), 1);
  // More reports while it is out change nothing and ask nothing more (one in flight).
  r.host("g");
  r.reg("g", "pg");
  r.sw.on_message("g", proto::parent_failed{tid, "pg", "pa", "piece failed verification", {0}});
  EXPECT_EQ(r.to<proto::reverify>("a").size(), 1u);
}

TEST(swarm_quarantine, a_daemon_that_does_not_list_the_feature_is_never_sent_reverify) {
  recorder r;
  holder_and_children(r, false);
  three_reports(r);
  EXPECT_TRUE(peer(r, "pa").quarantined);
  EXPECT_TRUE(r.to<proto::reverify>("a").empty());  // an older daemon would hang up on it
}

TEST(swarm_quarantine, an_answer_dropping_pieces_updates_the_holder_and_re_admits_it) {
  recorder r;
  holder_and_children(r);
  three_reports(r);
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {1}, {}}));
  const auto& a = peer(r, "pa");
  EXPECT_FALSE(a.quarantined);
  EXPECT_TRUE(a.reported_by.empty());  // a clean slate
  EXPECT_TRUE(a.pieces.has(piece_index(0)));
  EXPECT_FALSE(a.pieces.has(piece_index(1)));  // no longer offered for the piece it dropped
  EXPECT_EQ(r.metric("dragonfly_scheduler_readmitted_total"), 1);
  EXPECT_EQ(r.metric("dragonfly_scheduler_reverify_answers_total{result=\"dropped\"}"), 1);
  // A peer that never reported it may get it as a parent again, holding piece 0 only.
  r.host("g");
  r.reg("g", "pg");
  EXPECT_TRUE(peer(r, "pg").parents.contains("pa"));
  const auto to_g = r.to<proto::parents>("g").back();
  for (const auto& p : to_g.parents) {
    if (p.peer_id == "pa") {
      EXPECT_EQ(p.pieces, (std::vector<std::uint32_t>{0}));
    }
  }
}

TEST(swarm_quarantine, quarantined_a_second_time_it_stays_out_whatever_it_answers) {
  recorder r;
  holder_and_children(r);
  three_reports(r);
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {}, {1}}));  // "clean"
  EXPECT_FALSE(peer(r, "pa").quarantined);
  EXPECT_EQ(r.metric("dragonfly_scheduler_reverify_answers_total{result=\"clean\"}"), 1);
  // Reported again by three hosts: out, asked again (so it can clean its copy), never back.
  for (const auto* h : {"g", "h", "i"}) {
    r.host(h);
    r.reg(h, std::string("p") + h);
    r.sw.on_message(h, proto::parent_failed{tid, std::string("p") + h, "pa", "piece failed verification", {0}});
  }
  ASSERT_TRUE(peer(r, "pa").quarantined);
  ASSERT_EQ(r.to<proto::reverify>("a").size(), 2u);
  EXPECT_EQ(r.to<proto::reverify>("a").back().pieces, (std::vector<std::uint32_t>{0}));
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {0}, {}}));
  EXPECT_TRUE(peer(r, "pa").quarantined);
  EXPECT_EQ(r.metric("dragonfly_scheduler_readmitted_total"), 1);
  r.host("j");
  r.reg("j", "pj");
  EXPECT_FALSE(peer(r, "pj").parents.contains("pa"));
}

TEST(swarm_quarantine, late_reports_of_requests_in_flight_before_the_re_admission_do_not_count_again) {
  recorder r;
  holder_and_children(r);
  three_reports(r);
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {}, {1}}));
  ASSERT_FALSE(peer(r, "pa").quarantined);
  // c, d and e had more requests to a in flight; they fail now. The same incident: no new strike.
  three_reports(r, {0});
  EXPECT_FALSE(peer(r, "pa").quarantined);
  EXPECT_TRUE(peer(r, "pa").reported_by.empty());
  EXPECT_EQ(r.to<proto::reverify>("a").size(), 1u);
}

TEST(swarm_quarantine, a_complete_holder_that_dropped_pieces_is_scheduled_to_fetch_them) {
  recorder r;
  holder_and_children(r);
  r.sw.on_message("a", proto::piece_done{tid, "pa", 2, ""});
  r.sw.on_message("a", proto::peer_done{tid, "pa"});
  ASSERT_TRUE(peer(r, "pa").done);
  three_reports(r);
  const auto before = r.to<proto::parents>("a").size();
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {1, 2}, {}}));
  EXPECT_FALSE(peer(r, "pa").done);
  const auto to_a = r.to<proto::parents>("a");
  ASSERT_GT(to_a.size(), before);  // a parent set to fetch pieces 1 and 2 again
  ASSERT_FALSE(to_a.back().parents.empty());
  EXPECT_TRUE(peer(r, "pa").parents.contains("ps"));
}

TEST(swarm_quarantine, answers_nobody_asked_for_are_ignored_and_bad_ones_refused) {
  recorder r;
  holder_and_children(r);
  // Not asked: nothing changes (a rogue cannot shed its own reports this way).
  ASSERT_TRUE(r.sw.on_message("a", proto::reverified{tid, "pa", {0}, {}}));
  EXPECT_TRUE(peer(r, "pa").pieces.has(piece_index(0)));
  three_reports(r);
  // A piece past the task's end: a broken or hostile daemon; refused, still quarantined.
  EXPECT_FALSE(r.sw.on_message("a", proto::reverified{tid, "pa", {3}, {}}));
  EXPECT_TRUE(peer(r, "pa").quarantined);
  // Another host answering for a's peer: refused.
  EXPECT_FALSE(r.sw.on_message("c", proto::reverified{tid, "pa", {}, {1}}));
  EXPECT_TRUE(peer(r, "pa").quarantined);
}

}  // namespace
}  // namespace df::scheduler
