// The analytics half of the store on both backends (store_fixture.hpp): download records round
// trip, the window and cluster filters, retention and the row cap, and job durations.
#include "manager/analytics_store.hpp"
#include "store_fixture.hpp"

namespace df::manager {
namespace {

class analytics_store_test : public store_fixture {
 protected:
  static download_record at(std::int64_t finished, std::int64_t cluster, bool ok = true) {
    download_record d;
    d.finished_at = finished;
    d.cluster_id = cluster;
    d.host_id = "host-" + std::to_string(finished);
    d.hostname = "peer";
    d.task_id = "t";
    d.duration_ms = 120;
    d.content_bytes = 4096;
    d.bytes_from_peers = 4000;
    d.bytes_from_origin = 96;
    d.success = ok;
    d.error_class = ok ? "" : "origin";
    return d;
  }
};

TEST_P(analytics_store_test, records_round_trip_within_the_window_and_cluster) {
  auto& a = db->analytics();
  ASSERT_TRUE(a.add_downloads({at(1000, 1), at(2000, 2, false), at(3000, 1)}));
  const auto all = a.downloads_between(1000, 3000, 0, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);  // [1000, 3000)
  const auto& failed = all->at(1);
  EXPECT_EQ(failed.finished_at, 2000);
  EXPECT_EQ(failed.cluster_id, 2);
  EXPECT_EQ(failed.host_id, "host-2000");
  EXPECT_EQ(failed.hostname, "peer");
  EXPECT_EQ(failed.task_id, "t");
  EXPECT_EQ(failed.duration_ms, 120);
  EXPECT_EQ(failed.content_bytes, 4096);
  EXPECT_EQ(failed.bytes_from_peers, 4000);
  EXPECT_EQ(failed.bytes_from_origin, 96);
  EXPECT_FALSE(failed.success);
  EXPECT_EQ(failed.error_class, "origin");
  EXPECT_TRUE(all->at(0).success);
  const auto one = a.downloads_between(0, 10000, 1, 100);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 2u);
  EXPECT_EQ(a.downloads_between(0, 10000, 0, 1)->size(), 1u);  // the limit
}

TEST_P(analytics_store_test, pruning_keeps_the_retention_and_the_row_cap) {
  auto& a = db->analytics();
  std::vector<download_record> rows;
  for (int i = 1; i <= 10; ++i) rows.push_back(at(i * 1000, 1));
  ASSERT_TRUE(a.add_downloads(rows));
  const auto aged = a.prune_downloads(3000, 100);  // 1000 and 2000 are too old
  ASSERT_TRUE(aged);
  EXPECT_EQ(*aged, 2u);
  const auto capped = a.prune_downloads(0, 5);  // 8 left, keep the newest 5
  ASSERT_TRUE(capped);
  EXPECT_EQ(*capped, 3u);
  const auto left = a.downloads_between(0, 100000, 0, 100);
  ASSERT_EQ(left->size(), 5u);
  EXPECT_EQ(left->front().finished_at, 6000);
  EXPECT_EQ(*a.prune_downloads(0, 5), 0u);
}

TEST_P(analytics_store_test, finished_jobs_read_as_durations) {
  job_record j;
  j.type = "preheat";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(db->create_job(j, 1000));
  for (int i = 0; i < 3; ++i) {
    const auto claimed = db->claim_job("m", 2000, 60000, 3);
    ASSERT_TRUE(claimed && *claimed);
    ASSERT_TRUE(*db->finish_job((*claimed)->id, "m", i == 0 ? job_state::failure : job_state::success, "{}", "",
                                1000 + (i + 1) * 500, 0));
  }
  ASSERT_TRUE(db->create_job(j, 1000));  // still pending: not counted
  const auto jobs = db->analytics().jobs_between(0, 10000, 100);
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ(jobs->at(0).duration_ms, 500);
  EXPECT_FALSE(jobs->at(0).success);
  EXPECT_EQ(jobs->at(2).duration_ms, 1500);
  EXPECT_TRUE(jobs->at(2).success);
}

INSTANTIATE_TEST_SUITE_P(backends, analytics_store_test, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace df::manager
