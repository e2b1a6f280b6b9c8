// The job engine over a real SQLite store with a test dispatcher (the scheduler side is not
// wired yet): what it hands each cluster, how host results become the job's state and reason,
// a job canceled while it runs, and a scheduled job coming back for its next run.
#include "manager/job_codec.hpp"
#include "manager/job_engine.hpp"
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>

namespace df::manager {
namespace {

using json = nlohmann::json;

/// Answers every share with `answer` (and may act meanwhile, e.g. cancel the job); records requests.
class test_dispatcher final : public job_dispatcher {
 public:
  net::awaitable<dispatch_result> dispatch(const dispatch_request& request) override {
    requests.push_back(request);
    if (during) during();
    co_return answer;
  }
  std::vector<dispatch_request> requests;
  dispatch_result answer;
  std::function<void()> during;
};

class job_engine_test : public ::testing::Test {
 protected:
  std::unique_ptr<store> open() { return make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000)); }

  job_record queue(const std::string& body) {
    auto created = db->create_job(decode_job(json::parse(body), now), now);
    EXPECT_TRUE(created);
    return *created;
  }
  bool run_one() {
    net::asio::io_context io;
    bool ran = false;
    net::asio::co_spawn(io, [&]() -> net::awaitable<void> { ran = co_await engine.run_one(); }, net::asio::detached);
    io.run();
    return ran;
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = open();
  std::int64_t now = 1'800'000'000'000;
  test_dispatcher* dispatcher = new test_dispatcher;
  job_engine engine{config::jobs_config{}, open(), std::unique_ptr<job_dispatcher>(dispatcher), [this] { return now; }};
};

host_result host(const std::string& name, const std::string& error = "") {
  host_result h;
  h.hostname = name;
  h.ip = "10.0.0.1";
  h.url = "http://origin/a";
  h.bytes = 1024;
  h.duration_ms = 12;
  h.source = "origin";
  h.error = error;
  return h;
}

TEST_F(job_engine_test, every_host_succeeding_is_success_with_per_host_results) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","urls":["http://origin/a","http://origin/b"],
      "scope":"all_peers","headers":{"Authorization":"Bearer x"},"tag":"t"},"scheduler_cluster_ids":[1]})");
  dispatcher->answer.hosts = {host("a"), host("b")};
  EXPECT_FALSE(engine.owner().empty());
  ASSERT_TRUE(run_one());
  EXPECT_FALSE(run_one());  // nothing else to run
  ASSERT_EQ(dispatcher->requests.size(), 1u);
  const auto& sent = dispatcher->requests[0];
  EXPECT_EQ(sent.scheduler_cluster_id, 1);
  EXPECT_EQ(sent.urls, (std::vector<std::string>{"http://origin/a", "http://origin/b"}));
  EXPECT_EQ(sent.scope, "all_peers");
  EXPECT_EQ(sent.headers.at("Authorization"), "Bearer x");
  EXPECT_EQ(sent.tag, "t");
  const auto done = db->get_job(j.id);
  EXPECT_EQ(done->state, job_state::success);
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(done->lease_owner, "");
  const auto result = json::parse(done->result);
  EXPECT_EQ(result["manager"], engine.owner());
  const auto& cluster = result["job_states"][0]["results"][0];
  EXPECT_EQ(cluster["scheduler_cluster_id"], 1);
  ASSERT_EQ(cluster["success_tasks"].size(), 2u);
  EXPECT_EQ(cluster["success_tasks"][0]["bytes"], 1024);
  EXPECT_EQ(cluster["success_tasks"][0]["source"], "origin");
}

TEST_F(job_engine_test, a_failed_host_fails_the_job_naming_it) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"}})");  // every cluster
  dispatcher->answer.hosts = {host("a"), host("b", "disk full")};
  ASSERT_TRUE(run_one());
  const auto done = db->get_job(j.id);
  EXPECT_EQ(done->state, job_state::failure);
  EXPECT_NE(done->reason.find("1 of 2 host results failed, first b (10.0.0.1): disk full"), std::string::npos)
      << done->reason;
  const auto result = json::parse(done->result);
  EXPECT_EQ(result["job_states"][0]["error"], done->reason);  // what Harbor shows
  EXPECT_EQ(result["job_states"][0]["results"][0]["failure_tasks"][0]["description"], "disk full");
}

TEST_F(job_engine_test, a_cluster_error_is_the_reason) {
  const auto j = queue(R"({"type":"delete_task","args":{"url":"http://origin/a"}})");
  dispatcher->answer.error = "no active seed peer in cluster 1";
  ASSERT_TRUE(run_one());
  EXPECT_EQ(dispatcher->requests.at(0).type, "delete_task");
  EXPECT_EQ(db->get_job(j.id)->reason, "cluster 1: no active seed peer in cluster 1");
}

TEST_F(job_engine_test, a_job_canceled_while_running_stays_canceled) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"}})");
  dispatcher->answer.hosts = {host("a")};
  dispatcher->during = [&] { ASSERT_TRUE(db->cancel_job(j.id, now)); };
  ASSERT_TRUE(run_one());
  const auto after = db->get_job(j.id);
  EXPECT_EQ(after->state, job_state::canceled);
  EXPECT_EQ(after->result, "{}");  // the run's outcome was dropped
}

TEST_F(job_engine_test, a_scheduled_job_comes_back_for_its_next_run) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"},"cron":"0 * * * *"})");
  EXPECT_FALSE(run_one());  // not due yet
  now = j.next_run_at;
  dispatcher->answer.hosts = {host("a")};
  ASSERT_TRUE(run_one());
  const auto after = db->get_job(j.id);
  EXPECT_EQ(after->state, job_state::pending);
  EXPECT_EQ(after->next_run_at, j.next_run_at + 3600000);
  EXPECT_EQ(json::parse(after->result)["job_states"][0]["state"], "SUCCESS");  // the last run's outcome
}

TEST_F(job_engine_test, an_image_whose_registry_is_unreachable_fails_naming_it) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"image","url":"http://127.0.0.1:1/v2/a/manifests/1"}})");
  ASSERT_TRUE(run_one());
  EXPECT_TRUE(dispatcher->requests.empty());
  const auto done = db->get_job(j.id);
  EXPECT_EQ(done->state, job_state::failure);
  EXPECT_NE(done->reason.find("registry 127.0.0.1:1"), std::string::npos) << done->reason;
}

}  // namespace
}  // namespace df::manager
