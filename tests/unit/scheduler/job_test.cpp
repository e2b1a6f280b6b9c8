// The manager's jobs on the scheduler: which hosts a scope reaches, who may send a job, and a
// job_runner over a real swarm (hosts said hello; answers arrive, hosts leave, time runs out).
#include "core/ids.hpp"
#include "net/metrics.hpp"
#include "scheduler/job_runner.hpp"
#include "scheduler/job_session.hpp"
#include "scheduler/job_targets.hpp"
#include "scheduler/seed_choice.hpp"
#include "scheduler/swarm.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace df::scheduler {
namespace {

namespace proto = net::proto;

const std::string url = "http://o/f";
const std::string tid = compute_task_id({url, "", "", {}});

proto::host_info host(const std::string& id, bool seed, bool jobs = true) {
  proto::host_info h{id, id + "-name", "10.0.0.1", 65002, "", "", seed, 0, {}};
  if (jobs) h.features = {std::string(proto::feature_jobs)};
  return h;
}

std::map<std::string, host_state> hosts_of(const std::vector<proto::host_info>& list) {
  std::map<std::string, host_state> out;
  for (const auto& h : list) out[h.host_id].info = h;
  return out;
}

TEST(job_targets, each_scope_reaches_its_hosts) {
  const auto hosts = hosts_of({host("a", false), host("b", false), host("s1", true), host("s2", true)});
  EXPECT_EQ(job_targets("all_peers", tid, hosts), (std::vector<std::string>{"a", "b", "s1", "s2"}));
  EXPECT_EQ(job_targets("all_seed_peers", tid, hosts), (std::vector<std::string>{"s1", "s2"}));
  // The seed a seed trigger for the task would meet: the highest rendezvous weight.
  const auto one = job_targets("single_seed_peer", tid, hosts);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], rendezvous_weight(tid, "s1") > rendezvous_weight(tid, "s2") ? "s1" : "s2");
  EXPECT_TRUE(job_targets("single_seed_peer", tid, hosts_of({host("a", false)})).empty());
  EXPECT_TRUE(job_targets("some_peers", tid, hosts).empty());
  EXPECT_FALSE(known_scope("some_peers"));
}

TEST(job_session, only_a_manager_certificate_or_the_token_may_send_jobs) {
  const net::cluster_identity manager{net::cluster_role::manager, "m"};
  const net::cluster_identity daemon{net::cluster_role::peer, "h"};
  EXPECT_EQ(job_refusal(security_mode::mtls, manager, "", ""), "");
  EXPECT_NE(job_refusal(security_mode::mtls, daemon, "tok", "tok"), "");  // a token does not replace the certificate
  EXPECT_NE(job_refusal(security_mode::mtls, std::nullopt, "", ""), "");
  EXPECT_EQ(job_refusal(security_mode::off, std::nullopt, "tok", "tok"), "");
  EXPECT_NE(job_refusal(security_mode::off, std::nullopt, "tok", "tok2"), "");
  EXPECT_NE(job_refusal(security_mode::tls, std::nullopt, "tok", ""), "");
  EXPECT_NE(job_refusal(security_mode::off, std::nullopt, "", ""), "");  // no token configured: no jobs
}

// A swarm with hosts and a runner whose sends are recorded.
struct runner_fixture : ::testing::Test {
  boost::asio::io_context io;
  net::metrics_registry metrics;
  swarm sw{selection_limits{}, [](const std::string&, proto::message) {}, swarm_stats::create(metrics)};
  std::vector<std::pair<std::string, proto::message>> sent;
  job_runner jobs{io.get_executor(), sw,
                  [this](const std::string& h, const proto::message& m) {
                    sent.emplace_back(h, m);
                    return true;
                  },
                  std::chrono::milliseconds(60000)};

  proto::job_result run(proto::job_request r, const std::function<void()>& meanwhile) {
    io.restart();
    std::optional<proto::job_result> out;
    boost::asio::co_spawn(io, [&]() -> net::awaitable<void> { out = co_await jobs.run(std::move(r)); },
                          boost::asio::detached);
    io.run_one();  // the job starts and sends its orders
    meanwhile();
    io.run();
    return out.value();
  }
  static proto::job_request preheat(const std::string& scope, std::int64_t concurrent = 50, std::int64_t timeout = 0) {
    return {1, "preheat", {url}, "", {}, "", "", {}, scope, concurrent, timeout, ""};
  }
};

TEST_F(runner_fixture, all_peers_tells_at_most_concurrent_count_hosts_at_once) {
  for (const auto* id : {"a", "b", "c"}) sw.on_hello(host(id, false));
  const auto result = run(preheat("all_peers", 2), [&] {
    ASSERT_EQ(sent.size(), 2u);  // the window
    EXPECT_TRUE(jobs.on_daemon_message("a", proto::preheat_done{tid, 10, 5, "origin", ""}));
    ASSERT_EQ(sent.size(), 3u);  // a finished: c is told
    EXPECT_EQ(sent[2].first, "c");
    jobs.on_daemon_message("b", proto::preheat_done{tid, 10, 6, "peers", ""});
    jobs.on_daemon_message("c", proto::preheat_done{tid, 0, 1, "", "origin: 404"});
  });
  ASSERT_EQ(result.hosts.size(), 3u);
  EXPECT_EQ(result.hosts[0].hostname, "a-name");
  EXPECT_EQ(result.hosts[0].source, "origin");
  EXPECT_EQ(result.hosts[1].duration_ms, 6);
  EXPECT_EQ(result.hosts[2].error, "origin: 404");
  EXPECT_FALSE(jobs.on_daemon_message("a", proto::keepalive{}));
}

TEST_F(runner_fixture, a_host_that_leaves_or_lacks_the_feature_fails_with_a_reason) {
  sw.on_hello(host("a", false));
  sw.on_hello(host("old", false, false));
  sw.on_hello(host("z", false));
  const auto result = run(preheat("all_peers"), [&] {
    EXPECT_EQ(sent.size(), 2u);  // not to the daemon without the feature
    jobs.on_host_gone("a");
    jobs.on_daemon_message("z", proto::preheat_done{tid, 10, 5, "peers", ""});
  });
  ASSERT_EQ(result.hosts.size(), 3u);
  EXPECT_EQ(result.hosts[0].error, "host left: connection closed");
  EXPECT_NE(result.hosts[1].error.find("jobs feature"), std::string::npos);
  EXPECT_EQ(result.hosts[2].error, "");
}

TEST_F(runner_fixture, hosts_that_do_not_answer_time_out) {
  sw.on_hello(host("a", false));
  const auto result = run(preheat("all_peers", 50, 50), [] {});
  ASSERT_EQ(result.hosts.size(), 1u);
  EXPECT_EQ(result.hosts[0].error, "timed out after 50 ms");
}

TEST_F(runner_fixture, a_scope_without_hosts_or_an_unknown_job_fails_as_a_whole) {
  sw.on_hello(host("a", false));
  EXPECT_EQ(run(preheat("single_seed_peer"), [] {}).error, "no seed peer connected to this scheduler");
  EXPECT_EQ(run(preheat("most_peers"), [] {}).error, "unknown scope \"most_peers\"");
  auto odd = preheat("all_peers");
  odd.job = "format_disk";
  EXPECT_EQ(run(odd, [] {}).error, "unknown job type \"format_disk\"");
  EXPECT_TRUE(sent.empty());
}

TEST_F(runner_fixture, delete_task_asks_every_host_and_lists_those_that_held_it) {
  sw.on_hello(host("a", false));
  sw.on_hello(host("b", false));
  auto r = preheat("all_peers");
  r.job = "delete_task";
  const auto result = run(r, [&] {
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<proto::delete_task>(sent[0].second));
    jobs.on_daemon_message("a", proto::task_deleted{tid, true, ""});
    jobs.on_daemon_message("b", proto::task_deleted{tid, false, ""});
  });
  ASSERT_EQ(result.hosts.size(), 1u);
  EXPECT_EQ(result.hosts[0].hostname, "a-name");
  EXPECT_EQ(result.hosts[0].error, "");
}

}  // namespace
}  // namespace df::scheduler
