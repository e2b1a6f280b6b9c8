// The job engine over a real SQLite store with a test dispatcher (the scheduler side is not
// wired yet): what it hands each cluster, how host results become the job's state and reason,
// a job canceled while it runs, and a scheduled job coming back for its next run.
#include "manager/job_codec.hpp"
#include "manager/job_engine.hpp"
#include "manager/sql_connection.hpp"
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
    if (delay.count() > 0) {
      net::asio::steady_timer t(co_await net::asio::this_coro::executor);
      t.expires_after(delay);
      co_await t.async_wait(net::use_nothrow);
      told_to_stop = request.stopped && request.stopped();
    }
    co_return answer;
  }
  std::vector<dispatch_request> requests;
  dispatch_result answer;
  std::function<void()> during;
  std::chrono::milliseconds delay{0};  // a long dispatch
  bool told_to_stop = false;           // request.stopped() after the delay
};

class job_engine_test : public ::testing::Test {
 protected:
  std::unique_ptr<store> open() { return make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000)); }

  job_record queue(const std::string& body) {
    auto created = db->create_job(decode_job(json::parse(body), now), now);
    EXPECT_TRUE(created);
    return *created;
  }
  bool run_one() { return run_one_on(engine); }
  static bool run_one_on(job_engine& e) {
    net::asio::io_context io;
    bool ran = false;
    net::asio::co_spawn(io, [&]() -> net::awaitable<void> { ran = co_await e.run_one(); }, net::asio::detached);
    io.run();
    return ran;
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = open();
  std::int64_t now = 1'800'000'000'000;
  test_dispatcher* dispatcher = new test_dispatcher;
  job_engine engine{config::jobs_config{}, std::chrono::seconds(15), open(), std::unique_ptr<job_dispatcher>(dispatcher),
                    [this] { return now; }};
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

TEST_F(job_engine_test, each_share_names_the_clusters_active_schedulers_and_seed_peers) {
  scheduler_record s;
  s.hostname = "scheduler-1";
  s.ip = "10.0.0.9";
  s.port = 8002;
  s.scheduler_cluster_id = 1;
  ASSERT_TRUE(db->register_scheduler(s, now));
  s.hostname = "scheduler-gone";
  ASSERT_TRUE(db->register_scheduler(s, now - 60000));  // no keepalive for a minute: inactive
  seed_peer_record seed;
  seed.hostname = "seed-1";
  seed.ip = "10.0.0.10";
  seed.port = 4001;
  seed.seed_peer_cluster_id = db->get_scheduler_cluster(1)->seed_peer_cluster_id;
  ASSERT_TRUE(db->register_seed_peer(seed, now));
  auto other = db->create_scheduler_cluster([] { scheduler_cluster c; c.name = "gone"; return c; }(), now);
  ASSERT_TRUE(other);
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"},
                           "scheduler_cluster_ids":[1, )" + std::to_string(other->id) + "]}");
  dispatcher->during = [&] { ASSERT_TRUE(db->delete_scheduler_cluster(other->id)); };  // deleted meanwhile
  ASSERT_TRUE(run_one());
  ASSERT_EQ(dispatcher->requests.size(), 1u);
  ASSERT_EQ(dispatcher->requests[0].schedulers.size(), 1u);
  EXPECT_EQ(dispatcher->requests[0].schedulers[0].hostname, "scheduler-1");
  ASSERT_EQ(dispatcher->requests[0].seed_peers.size(), 1u);
  EXPECT_EQ(dispatcher->requests[0].seed_peers[0].hostname, "seed-1");
  EXPECT_EQ(db->get_job(j.id)->reason,
            "cluster " + std::to_string(other->id) + ": the scheduler cluster no longer exists");
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

TEST_F(job_engine_test, a_run_that_loses_its_lease_is_told_to_stop_and_records_nothing) {
  const auto j = queue(R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"}})");
  auto* slow = new test_dispatcher;
  slow->delay = std::chrono::milliseconds(600);
  slow->answer.hosts = {host("a")};
  auto thief = open_sqlite((dir.path() / "m.db").string(), 5000);
  // Another replica took the job over (its lease had expired, say) while this one dispatched.
  slow->during = [&] { thief->query("UPDATE jobs SET lease_owner = 'thief' WHERE id = $1", {j.id}); };
  config::jobs_config short_lease;
  short_lease.lease = std::chrono::milliseconds(300);  // renewed every 100 ms
  job_engine e(short_lease, std::chrono::seconds(15), open(), std::unique_ptr<job_dispatcher>(slow),
               [this, t0 = std::chrono::steady_clock::now()] {  // the test's clock, running
                 return now + std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - t0).count();
               });
  ASSERT_TRUE(run_one_on(e));
  EXPECT_TRUE(slow->told_to_stop);
  const auto after = db->get_job(j.id);
  EXPECT_EQ(after->state, job_state::running);  // the thief's now
  EXPECT_EQ(after->lease_owner, "thief");
  EXPECT_EQ(after->result, "{}");
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
