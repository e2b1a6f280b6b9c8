// Job and token validation as a table: what is queued (normalized), what is refused (naming the
// field), and that credentials never come back.
#include "manager/api_error.hpp"
#include "manager/job_codec.hpp"
#include "manager/registry_resolver.hpp"
#include "manager/token_auth.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

using json = nlohmann::json;
constexpr std::int64_t now = 1'800'000'000'000;

TEST(job_codec, harbor_request_is_accepted_with_defaults) {
  // Exactly what Harbor's Dragonfly provider marshals (Go zero values included).
  const auto j = decode_job(json::parse(R"({"type":"preheat","args":{"type":"image",
      "url":"https://harbor.example.com/v2/library/alpine/manifests/3.19","tag":"","filtered_query_params":"",
      "headers":{"Authorization":"Basic YWRtaW46SGFyYm9yMTIzNDU="},"scope":"","concurrent_count":0,"timeout":0},
      "scheduler_cluster_ids":null})"), now);
  EXPECT_EQ(j.type, "preheat");
  EXPECT_TRUE(j.scheduler_cluster_ids.empty());
  EXPECT_EQ(j.next_run_at, now);
  const auto a = json::parse(j.args);
  EXPECT_EQ(a["scope"], "single_seed_peer");
  EXPECT_EQ(a["concurrent_count"], 50);
  EXPECT_EQ(job_timeout_ms(a), default_job_timeout_ms);
  EXPECT_EQ(a["headers"]["Authorization"], "Basic YWRtaW46SGFyYm9yMTIzNDU=");  // kept to run the job
}

TEST(job_codec, refusals_name_the_field) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type":"warm","args":{}})", "type"},
      {R"({"args":{"type":"file","url":"http://a/b"}})", "type"},
      {R"({"type":"preheat"})", "args"},
      {R"({"type":"preheat","args":{"type":"file"}})", "args.url"},
      {R"({"type":"preheat","args":{"type":"file","url":"ftp://a/b"}})", "args.urls[0]"},
      {R"({"type":"preheat","args":{"type":"file","urls":["http://a/b","not a url"]}})", "args.urls[1]"},
      {R"({"type":"preheat","args":{"type":"image","url":"http://r/library/a:1"}})", "args.url"},
      {R"({"type":"preheat","args":{"type":"image","url":"http://r/v2/a/manifests/1","platform":"amd64"}})", "args.platform"},
      {R"({"type":"preheat","args":{"type":"docker","url":"http://a/b"}})", "args.type"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b","scope":"everyone"}})", "args.scope"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b","concurrent_count":501}})", "args.concurrent_count"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b","timeout":-1}})", "args.timeout"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b","headers":{"X":1}}})", "args.headers.X"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b","colour":"red"}})", "args.colour"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},"cron":"61 * * * *"})", "cron"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},"scheduler_cluster_ids":[0]})",
       "scheduler_cluster_ids[0]"},
      {R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},"scheduler_cluster_ids":"1"})",
       "scheduler_cluster_ids"},
      {R"({"type":"get_task","args":{}})", "args.url"},
      {R"({"type":"delete_task","args":{"url":"nope"}})", "args.url"},
  };
  for (const auto& [body, field] : cases) {
    try {
      decode_job(json::parse(body), now);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const api_error& e) {
      EXPECT_EQ(e.status, 400) << body;
      EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << body << " → " << e.what();
    }
  }
}

TEST(job_codec, duplicate_cluster_ids_count_once) {
  const auto j = decode_job(json::parse(R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},
                                            "scheduler_cluster_ids":[2,1,2]})"), now);
  EXPECT_EQ(j.scheduler_cluster_ids, (std::vector<std::int64_t>{2, 1}));
}

TEST(job_codec, a_cron_job_is_due_at_its_next_time) {
  const auto j = decode_job(json::parse(R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},
                                            "cron":"0 * * * *"})"), now);
  EXPECT_GT(j.next_run_at, now);
  EXPECT_EQ(j.next_run_at % 3600000, 0);
}

TEST(job_codec, answers_redact_credentials) {
  job_record j;
  j.type = "preheat";
  j.args = json{{"type", "image"}, {"url", "http://user:secret@r/v2/a/manifests/1"}, {"password", "hunter2"},
                {"headers", {{"Authorization", "Bearer abc"}, {"X-Other", "kept"}}}}
               .dump();
  j.state = job_state::running;
  const auto answered = to_json(j, true).dump();
  for (const char* secret : {"hunter2", "Bearer abc", "secret"})
    EXPECT_EQ(answered.find(secret), std::string::npos) << secret << " in " << answered;
  EXPECT_NE(answered.find("kept"), std::string::npos);
  EXPECT_EQ(to_json(j, true)["state"], "PENDING");  // what Harbor understands while it runs
  EXPECT_EQ(to_json(j, true)["phase"], "RUNNING");
  EXPECT_EQ(to_json(j, false)["state"], "RUNNING");
}

TEST(token, hashing_and_validation) {
  const auto a = generate_token(), b = generate_token();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 4u + 43u);
  EXPECT_EQ(token_hash(a).size(), 64u);
  EXPECT_EQ(token_hash(a), token_hash(a));
  EXPECT_NE(token_hash(a), token_hash(b));
  const auto t = decode_token(json::parse(R"({"name":"harbor","scopes":["job","cluster"],
                                              "expired_at":"2030-01-01T00:00:00Z"})"), now);
  EXPECT_EQ(t.scopes.size(), 2u);
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"scopes":["job"],"expired_at":"2030-01-01T00:00:00Z"})", "name"},
           {R"({"name":"x","scopes":["admin"],"expired_at":"2030-01-01T00:00:00Z"})", "scopes[0]"},
           {R"({"name":"x","scopes":[],"expired_at":"2030-01-01T00:00:00Z"})", "scopes"},
           {R"({"name":"x","scopes":["job"]})", "expired_at"},
           {R"({"name":"x","scopes":["job"],"expired_at":"2020-01-01T00:00:00Z"})", "expired_at"},
           {R"({"name":"x","scopes":["job"],"expired_at":"soon"})", "expired_at"}}) {
    try {
      decode_token(json::parse(body), now);
      ADD_FAILURE() << "accepted: " << body;
    } catch (const api_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(field + ":", 0), 0u) << body << " → " << e.what();
    }
  }
}

TEST(registry_resolver, bearer_challenge) {
  const auto c = parse_bearer_challenge(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/alpine:pull")");
  EXPECT_EQ(c.at("realm"), "https://auth.example.com/token");
  EXPECT_EQ(c.at("service"), "registry.example.com");
  EXPECT_EQ(c.at("scope"), "repository:library/alpine:pull");
  EXPECT_TRUE(parse_bearer_challenge(R"(Basic realm="Registry")").empty());
}

}  // namespace
}  // namespace df::manager
