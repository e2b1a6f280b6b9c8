// Jobs and personal access tokens through handle_api / handle_oapi over a real SQLite store with
// an injected clock: token lifecycle and refusals (401/403), bad payloads queue nothing, cancel,
// copy, and the per-cluster rate limit.
#include "manager/api.hpp"
#include "manager/job_codec.hpp"
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace df::manager {
namespace {

using json = nlohmann::json;

class api_jobs_test : public ::testing::Test {
 protected:
  api_response admin(const std::string& method, const std::string& path, const std::string& body = "") {
    const auto q = path.find('?');
    return handle_api(ctx, {method, path.substr(0, q), q == std::string::npos ? "" : path.substr(q + 1), body});
  }
  api_response oapi(const std::string& token, const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return handle_oapi(ctx, {method, path, "", body}, "Bearer " + token);
  }
  std::string make_token(const std::string& name, const std::string& scopes) {
    const auto r = admin("POST", "/api/v1/personal-access-tokens",
                         R"({"name":")" + name + R"(","scopes":)" + scopes + R"(,"expired_at":"2030-01-01T00:00:00Z"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).value("token", "");
  }
  std::uint64_t jobs_queued() { return db->list_jobs({}, "")->total; }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  std::int64_t now = 1'800'000'000'000;  // 2027-01-15
  api_context ctx{*db, [this] { return now; }, std::chrono::milliseconds(5000), 3};
  const std::string file_job = R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"}})";
};

TEST_F(api_jobs_test, token_lifecycle_and_refusals) {
  const auto token = make_token("harbor", R"(["job"])");
  ASSERT_EQ(token.rfind("dfp_", 0), 0u);
  const auto listed = admin("GET", "/api/v1/personal-access-tokens");
  EXPECT_EQ(listed.body.find(token), std::string::npos);  // shown once, never again
  EXPECT_EQ(listed.body.find("token_hash"), std::string::npos);
  EXPECT_EQ(oapi(token, "POST", "/oapi/v1/jobs", file_job).status, 200);
  EXPECT_NE(json::parse(admin("GET", "/api/v1/personal-access-tokens/1").body)["last_used_at"], "");

  const auto refused = [&](const std::string& t, const std::string& path, int status, const std::string& words) {
    const auto r = oapi(t, "GET", path);
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
  };
  refused("dfp_unknown", "/oapi/v1/jobs", 401, "unknown personal access token");
  refused(token, "/oapi/v1/clusters", 403, "lacks the 'cluster' scope");
  EXPECT_EQ(handle_oapi(ctx, {"GET", "/oapi/v1/jobs", "", ""}, "").status, 401);
  EXPECT_EQ(handle_oapi(ctx, {"GET", "/oapi/v1/jobs", "", ""}, "").headers.at(0).first, "WWW-Authenticate");
  EXPECT_EQ(admin("PATCH", "/api/v1/personal-access-tokens/1", R"({"state":"inactive"})").status, 200);
  refused(token, "/oapi/v1/jobs", 401, "revoked");
  EXPECT_EQ(admin("PATCH", "/api/v1/personal-access-tokens/1", R"({"state":"active"})").status, 200);
  EXPECT_EQ(oapi(token, "GET", "/oapi/v1/jobs").status, 200);
  now = *parse_rfc3339("2030-01-01T00:00:00Z");
  refused(token, "/oapi/v1/jobs", 401, "expired");
  EXPECT_EQ(admin("DELETE", "/api/v1/personal-access-tokens/1").status, 200);
  refused(token, "/oapi/v1/jobs", 401, "unknown");
  now = 1'800'000'000'000;
  const auto cluster_token = make_token("ops", R"(["cluster"])");
  EXPECT_EQ(json::parse(oapi(cluster_token, "GET", "/oapi/v1/clusters").body).size(), 1u);
}

TEST_F(api_jobs_test, bad_payloads_queue_nothing) {
  for (const std::string body : {R"({"type":"warm","args":{}})", R"({"type":"preheat","args":{"type":"file"}})",
                                 R"({"type":"preheat","args":{"type":"file","url":"x"}})",
                                 R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},"cron":"* *"})",
                                 R"({"type":"preheat","args":{"type":"file","url":"http://a/b"},"scheduler_cluster_ids":[42]})",
                                 "not json", "[]"}) {
    const auto r = admin("POST", "/api/v1/jobs", body);
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
  }
  EXPECT_EQ(jobs_queued(), 0u);
}

TEST_F(api_jobs_test, cancel_copy_delete) {
  const auto created = json::parse(admin("POST", "/api/v1/jobs", file_job).body);
  const auto id = std::to_string(created["id"].get<std::int64_t>());
  EXPECT_EQ(created["state"], "PENDING");
  EXPECT_EQ(admin("POST", "/api/v1/jobs/" + id + "/copy").status, 409);  // not finished
  const auto canceled = admin("PATCH", "/api/v1/jobs/" + id, R"({"state":"CANCELED","bio":"oops"})");
  EXPECT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(json::parse(canceled.body)["state"], "CANCELED");
  EXPECT_EQ(json::parse(canceled.body)["bio"], "oops");
  EXPECT_EQ(admin("POST", "/api/v1/jobs/" + id + "/cancel").status, 409);  // finished already
  EXPECT_EQ(admin("PATCH", "/api/v1/jobs/" + id, R"({"state":"SUCCESS"})").status, 400);
  const auto copy = admin("POST", "/api/v1/jobs/" + id + "/copy");
  EXPECT_EQ(copy.status, 201);
  EXPECT_EQ(json::parse(copy.body)["state"], "PENDING");
  EXPECT_EQ(json::parse(copy.body)["args"], created["args"]);
  EXPECT_EQ(json::parse(admin("GET", "/api/v1/jobs?state=CANCELED").body).size(), 1u);
  EXPECT_EQ(admin("DELETE", "/api/v1/jobs/" + id).status, 200);
  EXPECT_EQ(admin("GET", "/api/v1/jobs/" + id).status, 404);
}

TEST_F(api_jobs_test, per_cluster_rate_limit) {
  ctx.job_rate.set_limit(3);
  const std::string on_cluster_1 =
      R"({"type":"preheat","args":{"type":"file","url":"http://origin/a"},"scheduler_cluster_ids":[1]})";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(admin("POST", "/api/v1/jobs", on_cluster_1).status, 201);
  const auto limited = admin("POST", "/api/v1/jobs", on_cluster_1);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error_code, "too_many_requests");
  EXPECT_EQ(jobs_queued(), 3u);
  now += 1000;  // the next second
  EXPECT_EQ(admin("POST", "/api/v1/jobs", on_cluster_1).status, 201);
}

}  // namespace
}  // namespace df::manager
