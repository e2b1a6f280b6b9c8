// The swarm's download reports for the manager's analytics: one per finished peer (done or
// failed) with its duration and byte counts; a re-announced complete peer reports nothing.
#include "scheduler/swarm.hpp"
#include "swarm_recorder.hpp"

#include <gtest/gtest.h>

namespace df::scheduler {
namespace {

using namespace testing;

struct reporting_recorder : recorder {
  reporting_recorder() {
    sw.set_download_sink([this](download_report r) { reports.push_back(std::move(r)); });
  }
  std::vector<download_report> reports;
};

TEST(swarm_reports, done_peers_report_duration_and_bytes_once) {
  reporting_recorder r;
  r.seeded_task();
  constexpr std::uint64_t size = 5 * ps / 2;
  r.now += std::chrono::milliseconds(1500);
  r.sw.on_message("seed", proto::peer_done{tid, "ps", 0, size});
  r.now += std::chrono::milliseconds(500);
  r.sw.on_message("a", proto::peer_done{tid, "pa", size, 0});
  r.sw.on_message("a", proto::peer_done{tid, "pa", size, 0});  // again: not a second download
  ASSERT_EQ(r.reports.size(), 2u);
  const auto& seed = r.reports[0];
  EXPECT_EQ(seed.host_id, "seed");
  EXPECT_EQ(seed.task_id, tid);
  EXPECT_TRUE(seed.success);
  EXPECT_EQ(seed.duration_ms, 1500);
  EXPECT_EQ(seed.bytes_from_origin, size);
  EXPECT_EQ(seed.content_bytes, 5 * ps / 2);
  const auto& a = r.reports[1];
  EXPECT_EQ(a.host_id, "a");
  EXPECT_EQ(a.duration_ms, 2000);
  EXPECT_EQ(a.bytes_from_peers, size);
  EXPECT_EQ(a.bytes_from_origin, 0u);
  EXPECT_EQ(a.error_class, "");
}

TEST(swarm_reports, a_failing_source_fails_every_unfinished_peer) {
  reporting_recorder r;
  r.peers_then_seed({"a", "b"});
  r.sw.on_message("seed", proto::peer_failed{tid, "ps", "origin returned 404 Not Found", 404, "", 0, 0});
  ASSERT_EQ(r.reports.size(), 3u);
  for (const auto& rep : r.reports) {
    EXPECT_FALSE(rep.success) << rep.host_id;
    EXPECT_EQ(rep.error_class, "origin") << rep.host_id;
    EXPECT_EQ(rep.content_bytes, 0);
  }
  // The waiters' own peer_failed after task_failed finds no task: nothing more.
  r.sw.on_message("a", proto::peer_failed{tid, "pa", "task failed", 404, "", 0, 0});
  EXPECT_EQ(r.reports.size(), 3u);
}

TEST(swarm_reports, re_announced_complete_peers_and_odd_error_words_are_handled) {
  reporting_recorder r;
  r.host("seed2", true);
  ASSERT_TRUE(r.sw.on_message("seed2", proto::register_peer{tid, "ps2", test_url, {}, "", "", {}, false, true}));
  r.sw.on_message("seed2", proto::peer_done{tid, "ps2"});
  EXPECT_TRUE(r.reports.empty());
  r.host("b");
  r.reg("b", "pb");
  r.sw.on_message("b", proto::peer_failed{tid, "pb", "gave up", 0, "Not A Word!", 7, 0});
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].error_class, "failed");
  EXPECT_EQ(r.reports[0].bytes_from_peers, 7u);
  EXPECT_EQ(error_class_of("digest", 200), "digest");
  EXPECT_EQ(error_class_of("", 503), "origin");
}

}  // namespace
}  // namespace df::scheduler
