#include "net/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace df::net {
namespace {

using namespace std::chrono_literals;

TEST(histogram, counts_each_observation_in_the_first_bucket_that_holds_it) {
  const double bounds[] = {0.01, 0.1, 1};
  histogram h(bounds);
  h.observe(5ms);    // ≤ 0.01
  h.observe(10ms);   // = 0.01: le is inclusive
  h.observe(50ms);   // ≤ 0.1
  h.observe(2s);     // beyond 1: +Inf only
  h.observe(-1ms);   // a clock step backwards counts as 0
  EXPECT_EQ(h.bucket_count(), 3u);
  EXPECT_EQ(h.in_bucket(0), 3u);
  EXPECT_EQ(h.in_bucket(1), 1u);
  EXPECT_EQ(h.in_bucket(2), 0u);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum_seconds(), 2.065);
}

TEST(histogram, renders_cumulative_buckets_sum_and_count_in_prometheus_text) {
  metrics_registry r;
  r.counter("df_requests_total", "Requests").add(2);
  const double bounds[] = {0.5, 1};
  auto& h = r.add_histogram("df_fetch_seconds", "Fetch time", bounds, "source=\"peer\"");
  h.observe_seconds(0.25);
  h.observe_seconds(0.75);
  h.observe_seconds(3);
  auto& bare = r.add_histogram("df_decide_seconds", "Decision time", bounds);
  bare.observe_seconds(0.1);
  EXPECT_EQ(r.render(),
            "# HELP df_requests_total Requests\n"
            "# TYPE df_requests_total counter\n"
            "df_requests_total 2\n"
            "# HELP df_fetch_seconds Fetch time\n"
            "# TYPE df_fetch_seconds histogram\n"
            "df_fetch_seconds_bucket{source=\"peer\",le=\"0.5\"} 1\n"
            "df_fetch_seconds_bucket{source=\"peer\",le=\"1\"} 2\n"
            "df_fetch_seconds_bucket{source=\"peer\",le=\"+Inf\"} 3\n"
            "df_fetch_seconds_sum{source=\"peer\"} 4\n"
            "df_fetch_seconds_count{source=\"peer\"} 3\n"
            "# HELP df_decide_seconds Decision time\n"
            "# TYPE df_decide_seconds histogram\n"
            "df_decide_seconds_bucket{le=\"0.5\"} 1\n"
            "df_decide_seconds_bucket{le=\"1\"} 1\n"
            "df_decide_seconds_bucket{le=\"+Inf\"} 1\n"
            "df_decide_seconds_sum 0.1\n"
            "df_decide_seconds_count 1\n");
}

TEST(histogram, one_help_line_for_several_label_sets) {
  metrics_registry r;
  const double bounds[] = {1};
  r.add_histogram("df_x_seconds", "X", bounds, "source=\"peer\"");
  r.add_histogram("df_x_seconds", "X", bounds, "source=\"origin\"");
  const auto text = r.render();
  EXPECT_EQ(text.find("# TYPE df_x_seconds histogram"), text.rfind("# TYPE df_x_seconds histogram"));
  EXPECT_NE(text.find("df_x_seconds_count{source=\"origin\"} 0"), std::string::npos);
}

TEST(histogram, observations_from_many_threads_are_all_counted) {
  histogram h(histogram::latency_bounds);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.observe(1ms);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(h.in_bucket(0), 40000u);
  EXPECT_NEAR(h.sum_seconds(), 40.0, 1e-9);
}

}  // namespace
}  // namespace df::net
