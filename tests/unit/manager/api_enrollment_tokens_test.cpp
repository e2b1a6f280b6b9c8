// /api/v1/enrollment-tokens over a real SQLite store: the token is shown once and only its hash is
// kept, bad input gets a clear 4xx, and a token enrolls only while usable (enroll_certificate).
#include "manager/api.hpp"
#include "manager/enrollment.hpp"
#include "manager/json_codec.hpp"
#include "manager/sql_store.hpp"
#include "manager/token_auth.hpp"
#include "../../support/temp_dir.hpp"
#include "test_ca.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace df::manager {
namespace {

class api_enrollment_tokens_test : public ::testing::Test {
 protected:
  api_response post(const std::string& body) { return handle_api(ctx, {"POST", "/api/v1/enrollment-tokens", "", body}); }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  std::int64_t now = 1'000'000;
  api_context ctx{*db, [this] { return now; }, std::chrono::milliseconds(5000), 3};
};

TEST_F(api_enrollment_tokens_test, a_token_is_shown_once_and_stored_as_its_hash) {
  const auto r = post(R"({"name":"rack-7","role":"scheduler","scheduler_cluster_id":1,"expires_in":60,"max_uses":3})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto created = json::parse(r.body);
  const auto token = created["token"].get<std::string>();
  EXPECT_EQ(token.rfind("dfe_", 0), 0u) << token;
  EXPECT_EQ(token.size(), 4u + 43u);
  EXPECT_EQ(created["role"], "scheduler");
  EXPECT_EQ(created["max_uses"], 3);
  EXPECT_FALSE(created.contains("token_hash"));
  const auto stored = db->enrollment().find_enrollment_token(token_hash(token), now);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->expires_at, now + 60'000);
  EXPECT_EQ(db->enrollment().find_enrollment_token(token_hash(token), now + 60'000).error(), store_errc::not_found);

  const auto listed = handle_api(ctx, {"GET", "/api/v1/enrollment-tokens", "", ""});
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token), std::string::npos);            // never shown again
  EXPECT_EQ(listed.body.find(stored->token_hash), std::string::npos);  // nor its hash
  EXPECT_EQ(json::parse(listed.body).at(0)["name"], "rack-7");

  const auto id = std::to_string(created["id"].get<std::int64_t>());
  EXPECT_EQ(handle_api(ctx, {"DELETE", "/api/v1/enrollment-tokens/" + id, "", ""}).status, 200);
  EXPECT_EQ(handle_api(ctx, {"GET", "/api/v1/enrollment-tokens/" + id, "", ""}).status, 404);
  EXPECT_EQ(db->enrollment().find_enrollment_token(token_hash(token), now).error(), store_errc::not_found);
}

TEST_F(api_enrollment_tokens_test, bad_input_gets_a_clear_4xx) {
  ASSERT_EQ(post(R"({"name":"taken","role":"peer","scheduler_cluster_id":1})").status, 201);
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {R"({"role":"peer","scheduler_cluster_id":1})", 400, "invalid_value"},                       // no name
      {R"({"name":"a","role":"manager","scheduler_cluster_id":1})", 400, "invalid_value"},         // bad role
      {R"({"name":"a","role":"peer"})", 400, "invalid_value"},                                     // no cluster
      {R"({"name":"a","role":"peer","scheduler_cluster_id":42})", 400, "invalid_value"},           // unknown cluster
      {R"({"name":"a","role":"peer","scheduler_cluster_id":"1"})", 400, "wrong_type"},
      {R"({"name":"a","role":"peer","scheduler_cluster_id":1,"expires_in":0})", 400, "invalid_value"},
      {R"({"name":"a","role":"peer","scheduler_cluster_id":1,"expires_in":40000000})", 400, "invalid_value"},
      {R"({"name":"a","role":"peer","scheduler_cluster_id":1,"max_uses":-1})", 400, "invalid_value"},
      {R"({"name":"a","role":"peer","scheduler_cluster_id":1,"token":"mine"})", 400, "unknown_field"},
      {R"({"name":"taken","role":"peer","scheduler_cluster_id":1})", 409, "conflict"},
      {R"([1])", 400, "wrong_type"},
  };
  for (const auto& [body, status, code] : cases) {
    const auto r = post(body);
    EXPECT_EQ(r.status, status) << body << ": " << r.body;
    EXPECT_EQ(r.error_code, code) << body << ": " << r.body;
  }
  EXPECT_EQ(handle_api(ctx, {"PATCH", "/api/v1/enrollment-tokens/1", "", "{}"}).status, 405);
  EXPECT_EQ(handle_api(ctx, {"DELETE", "/api/v1/enrollment-tokens/99", "", ""}).status, 404);
}

TEST_F(api_enrollment_tokens_test, a_token_enrolls_while_usable_and_binds_the_certificate_to_its_cluster) {
  const api_request missing{"POST", "/api/v1/certificates", "", R"({"csr":"x","token":"y"})"};
  EXPECT_EQ(enroll_certificate(nullptr, {}, db->enrollment(), missing, now).response.status, 404);
  const auto ca = test_ca::make(dir.path());
  ASSERT_TRUE(ca);
  const auto r = post(R"({"name":"once","role":"seed-peer","scheduler_cluster_id":1,"max_uses":1})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto token = json::parse(r.body)["token"].get<std::string>();
  const std::vector<std::pair<std::string, std::string>> yaml = {{"a-yaml-token-0123456789", "peer"}};
  const auto enroll = [&](const std::string& name, const std::string& with) {
    const json body = {{"csr", test_ca::request(dir.path(), name)}, {"token", with}};
    return enroll_certificate(ca.get(), yaml, db->enrollment(), {"POST", "/api/v1/certificates", "", body.dump()}, now);
  };
  const auto first = enroll("seed-1", token);
  ASSERT_EQ(first.response.status, 201) << first.response.body;
  std::string why;
  const auto described = ca->describe_issued(json::parse(first.response.body)["certificate"].get<std::string>(), why);
  ASSERT_TRUE(described) << why;
  const auto issued = db->enrollment().get_issued(described->serial);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->scheduler_cluster_id, 1);
  EXPECT_EQ(issued->role, "seed-peer");
  EXPECT_EQ(issued->name, "seed-1");

  const auto again = enroll("seed-2", token);  // used up
  EXPECT_EQ(again.response.status, 401);
  EXPECT_TRUE(again.refused);
  const auto unknown = enroll("seed-3", "dfe_unknown");
  EXPECT_EQ(unknown.response.status, 401);

  const auto from_yaml = enroll("peer-1", "a-yaml-token-0123456789");  // the YAML's tokens still work
  ASSERT_EQ(from_yaml.response.status, 201) << from_yaml.response.body;
  const auto yaml_cert = ca->describe_issued(json::parse(from_yaml.response.body)["certificate"].get<std::string>(), why);
  ASSERT_TRUE(yaml_cert);
  EXPECT_EQ(db->enrollment().get_issued(yaml_cert->serial)->scheduler_cluster_id, 0);  // bound to no cluster
}

}  // namespace
}  // namespace df::manager
