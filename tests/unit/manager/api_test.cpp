// handle_api over a real SQLite store with an injected clock: the routes, their answers and the
// keepalive rule, without sockets (tests/integration/test_manager.py covers the process).
#include "manager/api.hpp"
#include "manager/json_codec.hpp"
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

class api_test : public ::testing::Test {
 protected:
  api_response call(const std::string& method, const std::string& path, const std::string& body = "") {
    const auto q = path.find('?');
    return handle_api(ctx, {method, path.substr(0, q), q == std::string::npos ? "" : path.substr(q + 1), body});
  }
  json call_json(const std::string& method, const std::string& path, const std::string& body = "",
                 int expected = 200) {
    const auto r = call(method, path, body);
    EXPECT_EQ(r.status, expected) << method << " " << path << ": " << r.body;
    return json::parse(r.body);
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  std::int64_t now = 1'000'000;
  api_context ctx{*db, [this] { return now; }, std::chrono::milliseconds(5000), 3};
};

TEST_F(api_test, cluster_crud) {
  const auto created = call_json("POST", "/api/v1/scheduler-clusters",
                                 R"({"name":"idc-a","scopes":{"idc":"a","cidrs":["10.0.0.0/8"]}})", 201);
  const auto id = created["id"].get<std::int64_t>();
  EXPECT_EQ(call_json("GET", "/api/v1/scheduler-clusters/" + std::to_string(id))["scopes"]["idc"], "a");
  const auto patched = call_json("PATCH", "/api/v1/scheduler-clusters/" + std::to_string(id),
                                 R"({"config":{"peer_upload_rate_limit":500000}})");
  EXPECT_EQ(patched["config"]["peer_upload_rate_limit"], 500000);
  EXPECT_EQ(patched["scopes"]["idc"], "a");  // PATCH keeps what it does not name
  const auto list = call("GET", "/api/v1/scheduler-clusters?page=1&per_page=1");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body).size(), 1u);
  ASSERT_EQ(list.headers.size(), 1u);
  EXPECT_EQ(list.headers[0], std::make_pair(std::string("X-Total-Count"), std::string("2")));
  call_json("DELETE", "/api/v1/scheduler-clusters/" + std::to_string(id));
  EXPECT_EQ(call("GET", "/api/v1/scheduler-clusters/" + std::to_string(id)).status, 404);
}

TEST_F(api_test, clear_errors) {
  const std::vector<std::tuple<std::string, std::string, std::string, int, std::string>> cases = {
      {"POST", "/api/v1/scheduler-clusters", R"({"name":"cluster-1"})", 409, "conflict"},
      {"POST", "/api/v1/scheduler-clusters", R"({"bio":"no name"})", 400, "invalid_value"},
      {"POST", "/api/v1/scheduler-clusters", R"({"name":"x","extra":1})", 400, "unknown_field"},
      {"PUT", "/api/v1/scheduler-clusters", "", 405, "method_not_allowed"},
      {"GET", "/api/v1/scheduler-clusters/abc", "", 404, "not_found"},
      {"GET", "/api/v1/scheduler-clusters/-1", "", 404, "not_found"},
      {"GET", "/api/v1/scheduler-clusters/99999999999999999999999", "", 404, "not_found"},
      {"GET", "/api/v1/scheduler-clusters?per_page=1000", "", 400, "invalid_value"},
      {"GET", "/api/v1/scheduler-clusters?page=0", "", 400, "invalid_value"},
      {"GET", "/api/v1/nothing", "", 404, "not_found"},
      {"DELETE", "/api/v1/scheduler-clusters/1", "", 409, "conflict"},  // the default stays
      {"PATCH", "/api/v1/scheduler-clusters/1", R"({"is_default":false})", 409, "conflict"},
      {"POST", "/api/v1/schedulers", R"({"hostname":"s","ip":"10.0.0.1","port":1,"scheduler_cluster_id":77})", 400,
       "invalid_value"},
      {"POST", "/api/v1/schedulers/12/keepalive", "", 404, "not_found"},
      {"GET", "/api/v1/schedulers?state=dead", "", 400, "invalid_value"},
      {"GET", "/api/v1/hosts?search=" + std::string(129, 'a'), "", 400, "invalid_value"},
  };
  for (const auto& [method, path, body, status, code] : cases) {
    const auto r = call(method, path, body);
    EXPECT_EQ(r.status, status) << method << " " << path << " " << body << ": " << r.body;
    EXPECT_EQ(r.error_code, code) << method << " " << path << " " << body;
    EXPECT_TRUE(json::parse(r.body).contains("message"));
  }
}

TEST_F(api_test, a_host_gets_its_cluster_with_its_active_schedulers_only) {
  const auto a = call_json("POST", "/api/v1/scheduler-clusters",
                           R"({"name":"idc-a","scopes":{"idc":"a"},"config":{"peer_upload_rate_limit":777777}})", 201);
  const auto cluster = a["id"].get<std::int64_t>();
  const auto s = call_json("POST", "/api/v1/schedulers",
                           R"({"hostname":"s1","ip":"10.0.0.1","port":8002,"scheduler_cluster_id":)" +
                               std::to_string(cluster) + "}");
  EXPECT_EQ(s["state"], "active");
  EXPECT_EQ(s["keepalive_interval_ms"], 5000);
  const std::string host = R"({"hostname":"h1","ip":"10.0.0.9","idc":"a","version":"0.1"})";
  auto answer = call_json("POST", "/api/v1/hosts", host);
  EXPECT_EQ(answer["scheduler_cluster"]["id"], cluster);
  EXPECT_EQ(answer["scheduler_cluster"]["config"]["peer_upload_rate_limit"], 777777);
  ASSERT_EQ(answer["schedulers"].size(), 1u);
  EXPECT_EQ(answer["schedulers"][0]["port"], 8002);

  // Three missed keepalives (15 s) and it is inactive; the host falls back to the default
  // cluster, which has no scheduler either, so it keeps its best match with an empty list.
  now += 15'001;
  EXPECT_EQ(call_json("GET", "/api/v1/schedulers/" + std::to_string(s["id"].get<int>()))["state"], "inactive");
  answer = call_json("POST", "/api/v1/hosts", host);
  EXPECT_EQ(answer["scheduler_cluster"]["id"], cluster);
  EXPECT_TRUE(answer["schedulers"].empty());
  // A scheduler alive in the default cluster wins over a matching cluster with none.
  call_json("POST", "/api/v1/schedulers", R"({"hostname":"s2","ip":"10.0.0.2","port":8002})");
  answer = call_json("POST", "/api/v1/hosts", host);
  EXPECT_EQ(answer["scheduler_cluster"]["name"], "cluster-1");
  // A keepalive brings the first back, and answers with its cluster's config.
  const auto kept = call_json("POST", "/api/v1/schedulers/" + std::to_string(s["id"].get<int>()) + "/keepalive");
  EXPECT_EQ(kept["scheduler_cluster_id"], cluster);
  EXPECT_EQ(kept["config"]["peer_upload_rate_limit"], 777777);
  answer = call_json("POST", "/api/v1/hosts", host);
  EXPECT_EQ(answer["scheduler_cluster"]["id"], cluster);
  EXPECT_EQ(call_json("GET", "/api/v1/hosts").size(), 1u);
}

TEST_F(api_test, component_lists_take_a_search_and_a_state) {
  call_json("POST", "/api/v1/schedulers", R"({"hostname":"old-sched","ip":"10.0.0.1","port":8002,"idc":"hz","location":"east china"})");
  now += 15'001;  // the first one misses three keepalives
  call_json("POST", "/api/v1/schedulers", R"({"hostname":"new-sched","ip":"10.0.0.2","port":8002,"idc":"bj"})");
  const auto names = [&](const std::string& query) {
    std::vector<std::string> out;
    for (const auto& s : call_json("GET", "/api/v1/schedulers?" + query)) out.push_back(s["hostname"]);
    return out;
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(names("search=HZ"), v{"old-sched"});
  EXPECT_EQ(names("search=east+china"), v{"old-sched"});  // a form's space
  EXPECT_EQ(names("search=t%20c&page=1"), v{"old-sched"});
  EXPECT_EQ(names("state=active"), v{"new-sched"});
  EXPECT_EQ(names("state=inactive&search=sched"), v{"old-sched"});
  EXPECT_EQ(names("state="), (v{"old-sched", "new-sched"}));
  const auto r = call("GET", "/api/v1/schedulers?state=active");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "1");  // X-Total-Count counts what matches
  call_json("POST", "/api/v1/hosts", R"({"hostname":"h1","ip":"10.0.0.9","location":"cn|hz"})");
  EXPECT_EQ(call_json("GET", "/api/v1/hosts?search=cn%7C").size(), 1u);
  EXPECT_EQ(call_json("GET", "/api/v1/hosts?search=nowhere").size(), 0u);
}

}  // namespace
}  // namespace df::manager
