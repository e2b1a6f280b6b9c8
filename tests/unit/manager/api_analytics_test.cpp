// The analytics API through handle_api over a real SQLite store with an injected clock: a
// scheduler's download records are stored for its own cluster only, bad batches store nothing,
// and the aggregation endpoints answer the documented shape with their limits.
#include "manager/api.hpp"
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace df::manager {
namespace {

using json = nlohmann::json;

class api_analytics_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto made = call("POST", "/api/v1/scheduler-clusters", R"({"name":"second"})");
    ASSERT_EQ(made.status, 201) << made.body;
    second = json::parse(made.body)["id"].get<std::int64_t>();
    const auto reg = call("POST", "/api/v1/schedulers", R"({"hostname":"s1","ip":"10.0.0.1","port":8002})");
    ASSERT_EQ(reg.status, 200) << reg.body;
    scheduler = json::parse(reg.body)["id"].get<std::int64_t>();
    cluster = json::parse(reg.body)["scheduler_cluster_id"].get<std::int64_t>();
  }
  api_response call(const std::string& method, const std::string& path, const std::string& body = "") {
    const auto q = path.find('?');
    return handle_api(ctx, {method, path.substr(0, q), q == std::string::npos ? "" : path.substr(q + 1), body});
  }
  api_response report(const json& records) {
    return call("POST", "/api/v1/schedulers/" + std::to_string(scheduler) + "/downloads",
                json{{"downloads", records}}.dump());
  }
  json record(std::int64_t at, std::int64_t duration, bool ok, std::int64_t peers, std::int64_t origin) {
    return {{"finished_at", at},       {"host_id", "h1"},       {"hostname", "peer-1"},
            {"task_id", "t1"},         {"duration_ms", duration}, {"content_bytes", peers + origin},
            {"bytes_from_peers", peers}, {"bytes_from_origin", origin}, {"success", ok},
            {"error_class", ok ? "" : "origin"}};
  }
  std::int64_t stored() {
    return json::parse(call("GET", "/api/v1/analytics/downloads").body)["totals"]["count"].get<std::int64_t>();
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  std::int64_t now = 1'796'774'400'000;  // 2026-12-09T00:00:00Z
  api_context ctx{*db, [this] { return now; }, std::chrono::milliseconds(5000), 3};
  std::int64_t scheduler = 0, cluster = 0, second = 0;
};

TEST_F(api_analytics_test, reported_downloads_are_aggregated_per_bucket_and_cluster) {
  json batch = json::array();
  for (int i = 1; i <= 10; ++i) batch.push_back(record(now - 3600000 + i * 1000, i * 100, i != 3, 100, i == 1 ? 50 : 0));
  const auto r = report(batch);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["accepted"], 10);

  const auto got = call("GET", "/api/v1/analytics/downloads?from=2026-12-08T22:00:00Z&to=2026-12-09T00:00:00Z&bucket=3600");
  ASSERT_EQ(got.status, 200) << got.body;
  const auto j = json::parse(got.body);
  EXPECT_EQ(j["bucket"], 3600);
  ASSERT_EQ(j["buckets"].size(), 2u);
  EXPECT_EQ(j["buckets"][0]["start"], "2026-12-08T22:00:00Z");
  EXPECT_EQ(j["buckets"][0]["count"], 0);
  const auto& b = j["buckets"][1];
  EXPECT_EQ(b["count"], 10);
  EXPECT_EQ(b["succeeded"], 9);
  EXPECT_EQ(b["failed"], 1);
  EXPECT_EQ(b["p50_ms"], 500);
  EXPECT_EQ(b["p95_ms"], 1000);
  EXPECT_EQ(b["bytes_from_peers"], 1000);
  EXPECT_EQ(b["bytes_from_origin"], 50);
  EXPECT_EQ(b["bytes_total"], 1050);
  EXPECT_EQ(j["totals"]["count"], 10);
  ASSERT_EQ(j["clusters"].size(), 2u);  // every cluster, the one without rows with zeros
  EXPECT_EQ(j["clusters"][0]["cluster_id"], cluster);
  EXPECT_EQ(j["clusters"][0]["name"], "cluster-1");
  EXPECT_EQ(j["clusters"][0]["count"], 10);
  EXPECT_EQ(j["clusters"][1]["cluster_id"], second);
  EXPECT_EQ(j["clusters"][1]["count"], 0);

  const auto other = json::parse(call("GET", "/api/v1/analytics/downloads?cluster_id=" + std::to_string(second)).body);
  EXPECT_EQ(other["totals"]["count"], 0);
  ASSERT_EQ(other["clusters"].size(), 1u);
  // Defaults: the last 24 hours in hours.
  EXPECT_EQ(json::parse(call("GET", "/api/v1/analytics/downloads").body)["buckets"].size(), 24u);
}

TEST_F(api_analytics_test, bad_batches_store_nothing) {
  const auto ok = record(now - 1000, 10, true, 1, 0);
  const auto refused = [&](const json& records, int status, const std::string& words) {
    const auto r = report(records);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
  };
  auto foreign = ok;
  foreign["cluster_id"] = second;
  refused(json::array({ok, foreign}), 403, "reports for cluster");
  json big = json::array();
  for (int i = 0; i < 501; ++i) big.push_back(ok);
  refused(big, 400, "1 to 500");
  refused(json::array(), 400, "1 to 500");
  refused(json::array({ok, 7}), 400, "must be an object");
  auto extra = ok;
  extra["sneaky"] = 1;
  refused(json::array({extra}), 400, "unknown field");
  auto negative = ok;
  negative["bytes_from_peers"] = -1;
  refused(json::array({negative}), 400, "downloads[0].bytes_from_peers");
  auto future = ok;
  future["finished_at"] = now + 3600000;
  refused(json::array({future}), 400, "finished_at");
  auto shouting = ok;
  shouting["error_class"] = "Bad Class";
  refused(json::array({shouting}), 400, "error_class");
  auto no_success = ok;
  no_success.erase("success");
  refused(json::array({no_success}), 400, "success");
  EXPECT_EQ(call("POST", "/api/v1/schedulers/" + std::to_string(scheduler) + "/downloads", "not json").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/schedulers/999/downloads", json{{"downloads", {ok}}}.dump()).status, 404);
  EXPECT_EQ(stored(), 0);
  auto own = ok;
  own["cluster_id"] = cluster;  // naming its own cluster is fine
  EXPECT_EQ(report(json::array({own})).status, 200);
  EXPECT_EQ(stored(), 1);
}

TEST_F(api_analytics_test, query_limits) {
  const auto status = [&](const std::string& q) { return call("GET", "/api/v1/analytics/downloads?" + q).status; };
  EXPECT_EQ(status("bucket=60&from=2026-12-08T00:00:00Z&to=2026-12-08T16:40:00Z"), 200);  // 1000 buckets
  EXPECT_EQ(status("bucket=60&from=2026-12-08T00:00:00Z&to=2026-12-08T16:41:00Z"), 400);  // 1001
  EXPECT_EQ(status("bucket=0"), 400);
  EXPECT_EQ(status("bucket=x"), 400);
  EXPECT_EQ(status("from=yesterday"), 400);
  EXPECT_EQ(status("from=2026-12-09T00:00:00Z&to=2026-12-08T00:00:00Z"), 400);
  EXPECT_EQ(status("cluster_id=-1"), 400);
  EXPECT_EQ(call("POST", "/api/v1/analytics/downloads").status, 405);
  EXPECT_EQ(call("GET", "/api/v1/analytics/nothing").status, 404);
}

TEST_F(api_analytics_test, jobs_are_aggregated_from_created_to_finished) {
  const std::string job = R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"}})";
  for (int i = 0; i < 3; ++i) ASSERT_EQ(call("POST", "/api/v1/jobs", job).status, 201);
  const auto started = now;
  for (int i = 0; i < 3; ++i) {
    now = started + (i + 1) * 1000;
    const auto claimed = db->claim_job("m1", now, 60000, 3);
    ASSERT_TRUE(claimed && *claimed);
    ASSERT_TRUE(*db->finish_job((*claimed)->id, "m1", i == 2 ? job_state::failure : job_state::success, "{}", "",
                                now, 0));
  }
  now = started + 3600000;
  const auto got = call("GET", "/api/v1/analytics/jobs?bucket=86400");
  ASSERT_EQ(got.status, 200) << got.body;
  const auto j = json::parse(got.body);
  EXPECT_EQ(j["bucket"], 86400);
  EXPECT_FALSE(j.contains("clusters"));
  EXPECT_EQ(j["totals"]["count"], 3);
  EXPECT_EQ(j["totals"]["succeeded"], 2);
  EXPECT_EQ(j["totals"]["failed"], 1);
  EXPECT_EQ(j["totals"]["p50_ms"], 2000);
  EXPECT_EQ(j["totals"]["p95_ms"], 3000);
  EXPECT_FALSE(j["totals"].contains("bytes_total"));
}

}  // namespace
}  // namespace df::manager
