// Aggregation of download and job records into buckets: nearest-rank percentiles, byte sums,
// empty buckets, the window's bucket count (golden values).
#include "manager/analytics.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

constexpr std::int64_t t0 = 1'796'688'000'000;  // 2026-12-08T00:00:00Z
constexpr std::int64_t hour = 3'600'000;

download_record rec(std::int64_t at, std::int64_t duration, bool ok, std::int64_t peers, std::int64_t origin,
                    std::int64_t cluster = 1) {
  download_record d;
  d.finished_at = at;
  d.duration_ms = duration;
  d.success = ok;
  d.bytes_from_peers = peers;
  d.bytes_from_origin = origin;
  d.content_bytes = peers + origin;
  d.cluster_id = cluster;
  return d;
}

TEST(analytics, nearest_rank_golden_values) {
  std::vector<std::int64_t> none;
  EXPECT_EQ(nearest_rank(none, 50), 0);
  std::vector<std::int64_t> one = {7};
  EXPECT_EQ(nearest_rank(one, 50), 7);
  EXPECT_EQ(nearest_rank(one, 95), 7);
  std::vector<std::int64_t> ten = {1000, 300, 100, 900, 500, 200, 800, 400, 700, 600};
  EXPECT_EQ(nearest_rank(ten, 50), 500);   // rank ceil(5) = 5
  EXPECT_EQ(nearest_rank(ten, 95), 1000);  // rank ceil(9.5) = 10
  std::vector<std::int64_t> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  EXPECT_EQ(nearest_rank(twenty, 50), 10);
  EXPECT_EQ(nearest_rank(twenty, 95), 19);  // rank ceil(19) = 19
  EXPECT_EQ(nearest_rank(twenty, 100), 20);
}

TEST(analytics, ten_records_in_one_bucket_give_exact_stats) {
  std::vector<download_record> rows;
  for (int i = 1; i <= 10; ++i) rows.push_back(rec(t0 + i * 1000, i * 100, i != 3, i * 10, i == 1 ? 1000 : 0));
  const auto j = aggregate(rows, {t0, t0 + hour, hour}, true);
  EXPECT_EQ(j["bucket"], 3600);
  ASSERT_EQ(j["buckets"].size(), 1u);
  const auto& b = j["buckets"][0];
  EXPECT_EQ(b["start"], "2026-12-08T00:00:00Z");
  EXPECT_EQ(b["count"], 10);
  EXPECT_EQ(b["succeeded"], 9);
  EXPECT_EQ(b["failed"], 1);
  EXPECT_EQ(b["p50_ms"], 500);
  EXPECT_EQ(b["p95_ms"], 1000);
  EXPECT_EQ(b["bytes_from_peers"], 550);
  EXPECT_EQ(b["bytes_from_origin"], 1000);
  EXPECT_EQ(b["bytes_total"], 1550);
  EXPECT_EQ(j["totals"], [&] { auto t = b; t.erase("start"); return t; }());
}

TEST(analytics, empty_buckets_are_zeros_and_rows_outside_the_window_are_ignored) {
  const std::vector<download_record> rows = {
      rec(t0 - 1, 5, true, 1, 0),                // before the window
      rec(t0 + 10, 100, true, 10, 0),            // bucket 0
      rec(t0 + 2 * hour + 5, 300, false, 0, 0),  // bucket 2
      rec(t0 + 2 * hour + 6, 100, true, 0, 20),  // bucket 2
      rec(t0 + 3 * hour, 9, true, 1, 0),         // at `to`: outside
  };
  const auto j = aggregate(rows, {t0, t0 + 3 * hour, hour}, true);
  ASSERT_EQ(j["buckets"].size(), 3u);
  EXPECT_EQ(j["buckets"][1]["start"], "2026-12-08T01:00:00Z");
  EXPECT_EQ(j["buckets"][1]["count"], 0);
  EXPECT_EQ(j["buckets"][1]["p50_ms"], 0);
  EXPECT_EQ(j["buckets"][1]["p95_ms"], 0);
  EXPECT_EQ(j["buckets"][2]["count"], 2);
  EXPECT_EQ(j["buckets"][2]["p50_ms"], 100);
  EXPECT_EQ(j["buckets"][2]["p95_ms"], 300);
  EXPECT_EQ(j["totals"]["count"], 3);
  EXPECT_EQ(j["totals"]["failed"], 1);
  EXPECT_EQ(j["totals"]["bytes_total"], 30);
}

TEST(analytics, jobs_answer_without_bytes_and_buckets_align_to_the_epoch) {
  const std::vector<download_record> rows = {rec(t0 + 90 * 60 * 1000, 4000, true, 0, 0)};
  // from 00:30 to 02:30 in hours: buckets start at 00:00, 01:00 and 02:00.
  const analytics_window w{t0 + hour / 2, t0 + 5 * hour / 2, hour};
  EXPECT_EQ(w.bucket_count(), 3);
  const auto j = aggregate(rows, w, false);
  ASSERT_EQ(j["buckets"].size(), 3u);
  EXPECT_EQ(j["buckets"][0]["start"], "2026-12-08T00:00:00Z");
  EXPECT_EQ(j["buckets"][1]["count"], 1);
  EXPECT_FALSE(j["buckets"][1].contains("bytes_total"));
  EXPECT_FALSE(j["totals"].contains("bytes_from_peers"));
  EXPECT_EQ(j["totals"]["p95_ms"], 4000);
  EXPECT_EQ((analytics_window{t0, t0, hour}.bucket_count()), 0);
  EXPECT_EQ((analytics_window{t0, t0 + 1000 * hour, hour}.bucket_count()), 1000);
}

}  // namespace
}  // namespace df::manager
