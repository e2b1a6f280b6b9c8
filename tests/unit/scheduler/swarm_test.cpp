#include "scheduler/swarm.hpp"
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace df::scheduler {
namespace {

using namespace testing;

TEST(swarm, first_request_triggers_the_seed_with_the_requesters_headers) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.reg("a", "pa");
  const auto seeds = r.to<proto::seed_task>("seed");
  ASSERT_EQ(seeds.size(), 1u);
  EXPECT_EQ(seeds[0].headers.at("Authorization"), "x");
  r.reg("seed", "ps");
  ASSERT_EQ(r.to<proto::back_to_source>("seed").size(), 1u);
  EXPECT_TRUE(r.to<proto::back_to_source>("a").empty());
  // a gets the seed as its parent as soon as the seed is the source
  const auto parents = r.to<proto::parents>("a");
  ASSERT_FALSE(parents.empty());
  ASSERT_EQ(parents.back().parents.size(), 1u);
  EXPECT_EQ(parents.back().parents[0].peer_id, "ps");
  EXPECT_TRUE(parents.back().parents[0].seed);
}

TEST(swarm, concurrent_requests_trigger_one_seed_fetch) {
  recorder r;
  r.host("seed", true);
  for (const auto* h : {"a", "b", "c"}) {
    r.host(h);
    r.reg(h, std::string("p") + h);
  }
  EXPECT_EQ(r.to<proto::seed_task>("seed").size(), 1u);
}

TEST(swarm, without_a_seed_one_peer_goes_back_to_source_after_the_startup_grace) {
  recorder r;
  r.host("a");
  r.host("b");
  r.reg("a", "pa");
  r.reg("b", "pb");
  EXPECT_TRUE(r.to<proto::back_to_source>("a").empty());  // sources may still be re-announcing
  r.later();
  EXPECT_EQ(r.to<proto::back_to_source>("a").size(), 1u);
  EXPECT_TRUE(r.to<proto::back_to_source>("b").empty());
  r.reg("b", "pb2");  // a running scheduler decides at once; the task already has its source
  EXPECT_EQ(r.to<proto::back_to_source>("b").size(), 0u);
}

TEST(swarm, a_restarted_scheduler_adopts_re_announced_sources) {
  recorder r;
  r.host("seed", true);
  r.host("seed2", true);
  r.host("b");
  // A complete seed re-announces: it becomes the source, no seed is triggered, nobody refetches.
  ASSERT_TRUE(r.sw.on_message("seed2", proto::register_peer{tid, "ps2", test_url, {}, "", "", {}, false, true}));
  r.sw.on_message("seed2", proto::task_meta{tid, "ps2", 5 * ps / 2, ps});
  for (std::uint32_t i = 0; i < 3; ++i) r.sw.on_message("seed2", proto::piece_done{tid, "ps2", i, "d"});
  r.sw.on_message("seed2", proto::peer_done{tid, "ps2"});
  r.reg("b", "pb");
  EXPECT_TRUE(r.to<proto::seed_task>("seed").empty());
  EXPECT_TRUE(r.to<proto::back_to_source>("b").empty());
  const auto parents = r.to<proto::parents>("b");
  ASSERT_FALSE(parents.empty());
  EXPECT_EQ(parents.back().parents[0].peer_id, "ps2");
  EXPECT_EQ(parents.back().parents[0].pieces.size(), 3u);
  EXPECT_EQ(parents.back().digests, (std::vector<std::string>{"d", "d", "d"}));
}

TEST(swarm, pieces_re_announced_before_the_source_knew_them_get_its_digest) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  // After a restart a peer says it holds pieces 0 and 1 (no digests: it does not vouch for them).
  r.reg("a", "pa");
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  r.sw.on_message("a", proto::piece_done{tid, "pa", 1, ""});
  r.reg("seed", "ps");
  r.sw.on_message("seed", proto::task_meta{tid, "ps", 4 * ps, ps});
  for (std::uint32_t i = 0; i < 3; ++i) r.sw.on_message("seed", proto::piece_done{tid, "ps", i, "n" + std::to_string(i)});
  // The source's digests reach a for the pieces it holds too, as each becomes known (not only
  // once the source holds everything): a can tell an older version apart.
  std::map<std::uint32_t, std::string> told;
  for (const auto& h : r.to<proto::have>("a"))
    for (const auto& e : h.pieces) told[e.piece] = e.digest;
  EXPECT_EQ(told.at(0), "n0");
  EXPECT_EQ(told.at(1), "n1");
  EXPECT_TRUE(r.sw.tasks().at(tid).unconfirmed_holders.empty());
}

TEST(swarm, pieces_flow_to_children_with_the_sources_digest) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.reg("a", "pa");
  r.reg("seed", "ps");
  r.sw.on_message("seed", proto::task_meta{tid, "ps", 5 * ps / 2, ps});
  ASSERT_FALSE(r.to<proto::task_info>("a").empty());
  EXPECT_EQ(r.to<proto::task_info>("a").back().content_length, 5 * ps / 2);
  r.sw.on_message("seed", proto::piece_done{tid, "ps", 1, "d1"});
  const auto have = r.to<proto::have>("a");
  ASSERT_EQ(have.size(), 1u);
  EXPECT_EQ(have[0].parent_peer_id, "ps");
  EXPECT_EQ(have[0].pieces[0].piece, 1u);
  EXPECT_EQ(have[0].pieces[0].digest, "d1");
  // A non-source cannot overwrite the digest.
  r.sw.on_message("a", proto::piece_done{tid, "pa", 1, "forged"});
  EXPECT_EQ(r.sw.tasks().at(tid).digests[1], "d1");
  // Out-of-range pieces are ignored.
  r.sw.on_message("seed", proto::piece_done{tid, "ps", 99, "x"});
  EXPECT_EQ(r.to<proto::have>("a").size(), 1u);
}

TEST(swarm, peers_become_each_others_parents) {
  recorder r;
  r.seeded_task();
  r.sw.on_message("seed", proto::piece_done{tid, "ps", 0, "d0"});
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  r.reg("b", "pb");
  const auto parents = r.to<proto::parents>("b");
  ASSERT_FALSE(parents.empty());
  std::set<std::string> ids;
  for (const auto& p : parents.back().parents) ids.insert(p.peer_id);
  EXPECT_EQ(ids, (std::set<std::string>{"pa", "ps"}));
  // a, short of parents, gets b as soon as b joins: peers trade pieces both ways.
  const auto for_a = r.to<proto::parents>("a");
  ASSERT_FALSE(for_a.empty());
  std::set<std::string> ids_a;
  for (const auto& p : for_a.back().parents) ids_a.insert(p.peer_id);
  EXPECT_EQ(ids_a, (std::set<std::string>{"pb", "ps"}));
  // b's pieces then reach a as `have`.
  r.sw.on_message("seed", proto::piece_done{tid, "ps", 1, "d1"});
  r.sw.on_message("b", proto::piece_done{tid, "pb", 1, ""});
  const auto have = r.to<proto::have>("a");
  ASSERT_FALSE(have.empty());
  EXPECT_EQ(have.back().parent_peer_id, "pb");
}

TEST(swarm, source_failure_reaches_every_waiter_with_the_origin_status) {
  recorder r;
  r.peers_then_seed({"a", "b"});
  r.sw.on_message("seed", proto::peer_failed{tid, "ps", "origin returned 404 Not Found", 404});
  for (const auto* h : {"a", "b"}) {
    const auto f = r.to<proto::task_failed>(h);
    ASSERT_EQ(f.size(), 1u) << h;
    EXPECT_EQ(f[0].origin_status, 404);
  }
  EXPECT_TRUE(r.sw.tasks().empty());
  r.reg("a", "pa2");  // a later request starts afresh and triggers the seed again
  EXPECT_EQ(r.to<proto::seed_task>("seed").size(), 2u);
}

TEST(swarm, failing_parent_is_replaced_and_not_chosen_again) {
  recorder r;
  r.seeded_task();
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  r.reg("b", "pb");
  r.sw.on_message("b", proto::parent_failed{tid, "pb", "pa", "digest mismatch"});
  const auto last = r.to<proto::parents>("b").back();
  for (const auto& p : last.parents) EXPECT_NE(p.peer_id, "pa");
  EXPECT_EQ(r.sw.tasks().at(tid).peers.at("pb").parents, (std::set<std::string>{"ps"}));
}

TEST(swarm, a_holder_reported_by_enough_hosts_is_quarantined_for_everyone) {
  recorder r;  // quarantine_reports: 3
  r.seeded_task();
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  for (const auto* h : {"b", "c", "d", "e"}) {
    r.host(h);
    r.reg(h, std::string("p") + h);
  }
  const auto& task = r.sw.tasks().at(tid);
  const auto has_pa = [&](const char* peer) { return task.peers.at(peer).parents.contains("pa"); };
  ASSERT_TRUE(has_pa("pe"));  // a holds a piece: everyone's candidate
  // One host reporting again and again counts once.
  for (int i = 0; i < 3; ++i) r.sw.on_message("b", proto::parent_failed{tid, "pb", "pa", "piece 0 failed verification"});
  EXPECT_FALSE(task.peers.at("pa").quarantined);
  EXPECT_TRUE(has_pa("pe"));
  r.sw.on_message("c", proto::parent_failed{tid, "pc", "pa", "piece 0 failed verification"});
  EXPECT_FALSE(task.peers.at("pa").quarantined);
  r.sw.on_message("d", proto::parent_failed{tid, "pd", "pa", "piece 0 failed verification"});
  // The third host: a is nobody's parent any more, including e, which never reported it.
  EXPECT_TRUE(task.peers.at("pa").quarantined);
  EXPECT_FALSE(has_pa("pe"));
  EXPECT_EQ(r.metric("dragonfly_scheduler_quarantined_total"), 1);
  const auto to_e = r.to<proto::parents>("e");
  EXPECT_NE(to_e.back().parents.size(), 0u);  // e still has the source
  for (const auto& p : to_e.back().parents) EXPECT_NE(p.peer_id, "pa");
  // Nor is a offered to a peer that joins later.
  r.host("f");
  r.reg("f", "pf");
  EXPECT_FALSE(has_pa("pf"));
}

TEST(swarm, the_source_is_never_quarantined) {
  recorder r;
  r.seeded_task();
  for (const auto* h : {"c", "d", "e"}) {
    r.host(h);
    r.reg(h, std::string("p") + h);
    r.sw.on_message(h, proto::parent_failed{tid, std::string("p") + h, "ps", "connection refused"});
  }
  EXPECT_FALSE(r.sw.tasks().at(tid).peers.at("ps").quarantined);
}

TEST(swarm, host_leaving_drops_its_peers_and_reschedules_children) {
  recorder r;
  r.seeded_task();
  r.sw.on_message("a", proto::piece_done{tid, "pa", 0, ""});
  r.reg("b", "pb");
  r.sw.on_host_gone("a");
  EXPECT_FALSE(r.sw.tasks().at(tid).peers.contains("pa"));
  EXPECT_EQ(r.sw.tasks().at(tid).peers.at("pb").parents, (std::set<std::string>{"ps"}));
  EXPECT_EQ(r.sw.hosts().size(), 2u);
}

TEST(swarm, seed_leaving_mid_task_hands_the_source_role_on) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.reg("a", "pa");
  r.reg("seed", "ps");
  r.later();
  r.sw.on_host_gone("seed");
  EXPECT_EQ(r.to<proto::back_to_source>("a").size(), 1u);  // no other seed: the peer fetches itself
}

TEST(swarm, each_new_source_piece_is_told_to_one_peer_until_the_source_holds_everything) {
  recorder r;
  r.peers_then_seed({"a", "b", "c"});
  r.source_holds(7, 6);
  auto told = told_by_source(r, {"a", "b", "c"});
  // Every piece went to exactly one peer, two each (the least loaded share first).
  std::multiset<std::uint32_t> all;
  for (const auto& [h, pieces] : told) all.insert(pieces.begin(), pieces.end());
  EXPECT_EQ(all, (std::multiset<std::uint32_t>{0, 1, 2, 3, 4, 5}));
  for (const auto* h : {"a", "b", "c"}) EXPECT_EQ(told[h].size(), 2u) << h;

  // Once the source holds everything, every peer may ask it for any piece: at its last piece,
  // before the `peer_done` that follows its flush to disk.
  r.source_stores(6);
  told = told_by_source(r, {"a", "b", "c"});
  for (const auto* h : {"a", "b", "c"}) EXPECT_EQ(told[h].size(), 7u) << h;
}

TEST(swarm, a_leaving_peers_share_of_source_pieces_goes_to_another) {
  recorder r;
  r.peers_then_seed({"a", "b"});
  r.source_holds(3, 2);
  auto told = told_by_source(r, {"a", "b"});
  ASSERT_EQ(told["a"].size(), 1u);
  ASSERT_EQ(told["b"].size(), 1u);
  r.sw.on_host_gone("a");  // a never fetched its piece
  told = told_by_source(r, {"b"});
  EXPECT_EQ(told["b"], (std::set<std::uint32_t>{0, 1}));
}

TEST(swarm, source_pieces_with_nobody_to_take_them_go_to_the_next_peer) {
  recorder r;
  r.host("seed", true);
  r.host("a");
  r.host("b");
  r.reg("a", "pa");
  r.reg("seed", "ps");
  r.sw.on_message("seed", proto::task_meta{tid, "ps", 2 * ps, ps});
  r.sw.on_message("a", proto::leave_peer{tid, "pa"});  // the only requester went away
  r.sw.on_message("seed", proto::piece_done{tid, "ps", 0, "d0"});  // nobody to tell
  EXPECT_TRUE(told_by_source(r, {"b"})["b"].empty());
  r.reg("b", "pb");
  EXPECT_EQ(told_by_source(r, {"b"})["b"], (std::set<std::uint32_t>{0}));
}

TEST(swarm, each_idc_gets_each_source_piece_once_and_the_rest_of_the_source_later) {
  recorder r;
  r.peers_then_seed({"a1", "a2", "b1", "b2"}, {{"seed", "a"}, {"a1", "a"}, {"a2", "a"}, {"b1", "b"}, {"b2", "b"}});
  r.source_holds(5, 4);
  auto told = told_by_source(r, {"a1", "a2", "b1", "b2"});
  for (const auto& idc : {std::pair{"a1", "a2"}, std::pair{"b1", "b2"}}) {
    std::multiset<std::uint32_t> in_idc(told[idc.first].begin(), told[idc.first].end());
    in_idc.insert(told[idc.second].begin(), told[idc.second].end());
    EXPECT_EQ(in_idc, (std::multiset<std::uint32_t>{0, 1, 2, 3})) << idc.first;
  }
  // Peers trade within their idc: b1 and b2 are never offered a-peers as parents.
  for (const auto* h : {"b1", "b2"})
    for (const auto& p : r.sw.tasks().at(tid).peers.at(std::string("p") + h).parents)
      EXPECT_TRUE(p == "ps" || p.starts_with("pb")) << h << " has parent " << p;

  r.source_stores(4);  // the last piece
  told = told_by_source(r, {"a1", "a2", "b1", "b2"});
  EXPECT_EQ(told["a1"].size(), 5u);  // the source's idc sees everything at once
  EXPECT_EQ(told["a2"].size(), 5u);
  EXPECT_EQ(told["b1"].size() + told["b2"].size(), 5u);  // the other idc not yet
  r.now += selection_limits{}.cross_idc_reveal_delay;
  r.sw.tick();
  told = told_by_source(r, {"b1", "b2"});
  EXPECT_EQ(told["b1"].size(), 5u);
  EXPECT_EQ(told["b2"].size(), 5u);
}

TEST(swarm, registrations_and_scheduling_decisions_are_timed) {
  recorder r;
  r.peers_then_seed({"a", "b"});  // the seed's peer is the source: a and b are scheduled
  const std::string text = r.metrics.render();
  EXPECT_NE(text.find("dragonfly_scheduler_register_duration_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("dragonfly_scheduler_schedule_duration_seconds_count 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE dragonfly_scheduler_schedule_duration_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace df::scheduler
