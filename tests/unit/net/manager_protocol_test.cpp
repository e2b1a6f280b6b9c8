// What daemons and schedulers read from dfmanager: answers, address normalisation, config
// diffing and the blocklist (pure functions; the processes are in test_manager_config.py).
#include "net/manager_protocol.hpp"

#include <gtest/gtest.h>

#include <string_view>
#include <tuple>

namespace df::net::manager {
namespace {

const char* answer_text = R"({
  "host": {"id": 3, "hostname": "h1"},
  "scheduler_cluster": {"id": 2, "name": "idc-a", "seed_peer_cluster_id": 5,
    "config": {"candidate_parent_limit": 6, "filter_parent_limit": 40, "peer_upload_rate_limit": 1048576,
               "peer_download_rate_limit": 0,
               "blocklist": {"applications": ["bad-app"], "urls": ["/secret/"], "tags": ["t1"]}}},
  "schedulers": [{"ip": "10.0.0.2", "port": 8002}, {"ip": "::ffff:10.0.0.1", "port": 8002},
                 {"ip": "10.0.0.2", "port": 8002}, {"ip": "fd00::1", "port": 9002}],
  "seed_peers": []
})";

TEST(manager_protocol, a_host_answer_gives_the_cluster_its_config_and_normalised_schedulers) {
  std::string why;
  const auto a = parse_host_answer(answer_text, why);
  ASSERT_TRUE(a) << why;
  EXPECT_EQ(a->cluster_id, 2);
  EXPECT_EQ(a->seed_peer_cluster_id, 5);
  EXPECT_EQ(a->cluster_name, "idc-a");
  EXPECT_EQ(a->config.candidate_parent_limit, 6u);
  EXPECT_EQ(a->config.filter_parent_limit, 40u);
  EXPECT_EQ(a->config.peer_upload_rate_limit, 1048576u);
  EXPECT_EQ(a->config.blocklist.urls, std::vector<std::string>{"/secret/"});
  // Sorted, one spelling each, repeats dropped.
  EXPECT_EQ(a->schedulers, (std::vector<std::string>{"10.0.0.1:8002", "10.0.0.2:8002", "[fd00::1]:9002"}));
}

TEST(manager_protocol, a_broken_answer_is_an_error_naming_the_field) {
  std::string why;
  EXPECT_FALSE(parse_host_answer("not json", why));
  EXPECT_EQ(why, "not a JSON object");
  EXPECT_FALSE(parse_host_answer(R"({"scheduler_cluster": {"id": 1, "name": "x"}, "schedulers": []})", why));
  EXPECT_NE(why.find("scheduler_cluster.config"), std::string::npos) << why;
  std::string bad_port = answer_text;
  bad_port.replace(bad_port.find("9002"), 4, "70000");
  EXPECT_FALSE(parse_host_answer(bad_port, why));
  EXPECT_NE(why.find("port"), std::string::npos) << why;
  std::string bad_ip = answer_text;
  bad_ip.replace(bad_ip.find("fd00::1"), 7, "a b");
  EXPECT_FALSE(parse_host_answer(bad_ip, why));
  EXPECT_NE(why.find("schedulers[].ip"), std::string::npos) << why;
}

TEST(manager_protocol, a_rate_limit_below_the_floor_is_refused) {
  std::string why;
  std::string tiny = answer_text;
  tiny.replace(tiny.find("1048576"), 7, "65535");
  EXPECT_FALSE(parse_host_answer(tiny, why));
  EXPECT_NE(why.find("peer_upload_rate_limit"), std::string::npos) << why;
  std::string floor = answer_text;
  floor.replace(floor.find("1048576"), 7, "65536");
  EXPECT_TRUE(parse_host_answer(floor, why)) << why;
}

TEST(manager_protocol, parent_limits_outside_the_managers_bounds_are_refused) {
  std::string why;
  for (const auto& [from, to, field] : {std::tuple{"\"candidate_parent_limit\": 6", "\"candidate_parent_limit\": 0",
                                                   "candidate_parent_limit"},
                                        std::tuple{"\"candidate_parent_limit\": 6", "\"candidate_parent_limit\": 21",
                                                   "candidate_parent_limit"},
                                        std::tuple{"\"filter_parent_limit\": 40", "\"filter_parent_limit\": 0",
                                                   "filter_parent_limit"},
                                        std::tuple{"\"filter_parent_limit\": 40", "\"filter_parent_limit\": 1001",
                                                   "filter_parent_limit"}}) {
    std::string text = answer_text;
    text.replace(text.find(from), std::string_view(from).size(), to);
    EXPECT_FALSE(parse_host_answer(text, why)) << to;
    EXPECT_NE(why.find(field), std::string::npos) << why;
  }
}

TEST(manager_protocol, lists_and_strings_over_their_bounds_are_refused) {
  std::string why;
  std::string many = R"({"scheduler_cluster": {"id": 1, "name": "c", "config": {"candidate_parent_limit": 4,
    "filter_parent_limit": 15, "peer_upload_rate_limit": 0, "peer_download_rate_limit": 0,
    "blocklist": {"applications": [], "urls": [], "tags": [)";
  for (std::size_t i = 0; i <= max_list_entries; ++i) many += (i ? ",\"t\"" : "\"t\"");
  many += R"(]}}}, "schedulers": []})";
  EXPECT_FALSE(parse_host_answer(many, why));
  EXPECT_NE(why.find("blocklist.tags"), std::string::npos) << why;
  const std::string long_name = R"({"scheduler_cluster": {"id": 1, "name": ")" + std::string(max_field + 1, 'x') +
                                R"(", "config": {}}, "schedulers": []})";
  EXPECT_FALSE(parse_host_answer(long_name, why));
  EXPECT_NE(why.find("scheduler_cluster.name"), std::string::npos) << why;
  EXPECT_FALSE(parse_registration(R"({"id": 3, "keepalive_interval_ms": -5})", why));
}

TEST(manager_protocol, registration_and_keepalive_answers) {
  std::string why;
  const auto r = parse_registration(R"({"id": 7, "state": "active", "keepalive_interval_ms": 5000})", why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->id, 7);
  EXPECT_EQ(r->keepalive_interval, std::chrono::milliseconds(5000));
  EXPECT_FALSE(parse_registration(R"({"id": 0, "keepalive_interval_ms": 5000})", why));
  // An older manager sends no config with a keepalive: not_found, not malformed.
  EXPECT_EQ(parse_keepalive_config(R"({"id": 7, "state": "active"})", why).error(), errc::not_found);
  const auto k = parse_keepalive_config(
      R"({"id": 7, "config": {"candidate_parent_limit": 2, "filter_parent_limit": 9, "peer_upload_rate_limit": 0,
          "peer_download_rate_limit": 0, "blocklist": {"applications": [], "urls": [], "tags": []}}})",
      why);
  ASSERT_TRUE(k) << why;
  EXPECT_EQ(k->candidate_parent_limit, 2u);
}

TEST(manager_protocol, one_scheduler_is_one_address_however_it_is_spelled) {
  EXPECT_EQ(normalize_address("localhost:8002"), "127.0.0.1:8002");
  EXPECT_EQ(normalize_address("LocalHost.:08002"), "127.0.0.1:8002");
  EXPECT_EQ(normalize_address("127.0.0.1:8002"), "127.0.0.1:8002");
  EXPECT_EQ(normalize_address("[::ffff:127.0.0.1]:8002"), "127.0.0.1:8002");
  EXPECT_EQ(normalize_address("[FD00:0::1]:8002"), "[fd00::1]:8002");
  EXPECT_EQ(normalize_address("Sched-1.Example:8002"), "sched-1.example:8002");
  EXPECT_EQ(normalize_address("fd00::1:8002"), "");  // IPv6 needs brackets
  EXPECT_EQ(normalize_address("host"), "");
  EXPECT_EQ(normalize_address("host:0"), "");
  EXPECT_EQ(normalize_address("host:65536"), "");
  EXPECT_EQ(normalize_addresses({"localhost:8002", "127.0.0.1:8002", "bad", "10.0.0.1:8002"}),
            (std::vector<std::string>{"127.0.0.1:8002", "10.0.0.1:8002"}));
}

TEST(manager_protocol, a_config_change_is_described_setting_by_setting) {
  cluster_config a;
  EXPECT_TRUE(describe_changes(a, a).empty());
  cluster_config b = a;
  b.peer_upload_rate_limit = 1048576;
  b.blocklist.urls = {"/x/", "/y/"};
  const auto lines = describe_changes(a, b);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "peer_upload_rate_limit 0 → 1048576");
  EXPECT_EQ(lines[1], "blocklist.urls [] → [/x/, /y/]");
}

TEST(manager_protocol, the_blocklist_refuses_by_application_tag_and_url) {
  const blocklist_matcher none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.refusal("http://a/b", "", ""), "");
  const blocklist_matcher m(blocklist{{"bad-app"}, {"^https?://blocked\\.example/", "(unclosed"}, {"t1"}});
  EXPECT_EQ(m.invalid_patterns(), 1u);
  EXPECT_NE(m.refusal("http://a/b", "", "bad-app").find("application 'bad-app'"), std::string::npos);
  EXPECT_NE(m.refusal("http://a/b", "t1", "").find("tag 't1'"), std::string::npos);
  EXPECT_NE(m.refusal("https://blocked.example/f", "", "").find("pattern"), std::string::npos);
  EXPECT_EQ(m.refusal("https://fine.example/blocked.example/", "t2", "good-app"), "");
}

}  // namespace
}  // namespace df::net::manager
