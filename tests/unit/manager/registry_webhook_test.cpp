#include "manager/api_error.hpp"
#include "manager/config.hpp"
#include "manager/registry_webhook.hpp"

#include "core/yaml_config.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace df::manager {
namespace {

using nlohmann::json;

// What Debian's docker-registry (Distribution 2.8) posts after `skopeo copy` of one tag: the
// layer and config blob pushes, then the manifest push with its tag.
const json distribution_envelope = json::parse(R"({"events": [
  {"id": "1", "timestamp": "2026-12-02T07:00:00Z", "action": "push",
   "target": {"mediaType": "application/octet-stream", "size": 100, "digest": "sha256:aa", "length": 100,
              "repository": "library/app", "url": "http://127.0.0.1:5000/v2/library/app/blobs/sha256:aa"},
   "request": {"id": "r1", "addr": "127.0.0.1:4000", "host": "127.0.0.1:5000", "method": "PUT", "useragent": "skopeo"},
   "actor": {}, "source": {"addr": "host:5000", "instanceID": "i"}},
  {"id": "2", "timestamp": "2026-12-02T07:00:01Z", "action": "push",
   "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 500, "digest": "sha256:bb",
              "length": 500, "repository": "library/app", "tag": "v1.2",
              "url": "http://127.0.0.1:5000/v2/library/app/manifests/sha256:bb"},
   "request": {}, "actor": {}, "source": {}},
  {"id": "3", "timestamp": "2026-12-02T07:00:02Z", "action": "pull",
   "target": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "repository": "library/app",
              "url": "http://127.0.0.1:5000/v2/library/app/manifests/sha256:bb"}}
]})");

// Harbor's PUSH_ARTIFACT webhook (payload format "Default").
const json harbor_push = json::parse(R"({"type": "PUSH_ARTIFACT", "occur_at": 1796190000, "operator": "admin",
  "event_data": {"resources": [{"digest": "sha256:cc", "tag": "1.25", "resource_url": "harbor.example/library/nginx:1.25"}],
                 "repository": {"date_created": 1796100000, "name": "nginx", "namespace": "library",
                                "repo_full_name": "library/nginx", "repo_type": "public"}}})");

TEST(registry_notification, distribution_envelope_gives_the_tagged_manifest_push_only) {
  const auto images = parse_registry_notification(distribution_envelope, "https");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].repository, "library/app");
  EXPECT_EQ(images[0].tag, "v1.2");
  EXPECT_EQ(images[0].manifest_url, "http://127.0.0.1:5000/v2/library/app/manifests/sha256:bb");
}

TEST(registry_notification, harbor_push_gives_the_manifest_url_from_resource_url) {
  const auto images = parse_registry_notification(harbor_push, "https");
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].manifest_url, "https://harbor.example/v2/library/nginx/manifests/1.25");
  EXPECT_EQ(images[0].repository, "library/nginx");
  EXPECT_EQ(images[0].tag, "1.25");
  auto other = harbor_push;
  other["type"] = "DELETE_ARTIFACT";
  EXPECT_TRUE(parse_registry_notification(other, "https").empty());
}

TEST(registry_notification, malformed_bodies_are_400_naming_the_field) {
  const auto field_of = [](const json& body) {
    try {
      parse_registry_notification(body, "https");
    } catch (const api_error& e) {
      EXPECT_EQ(e.status, 400);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field_of(json::array()), "body: must be a JSON object");
  EXPECT_EQ(field_of(json{{"hello", 1}}).rfind("body: neither", 0), 0u);
  EXPECT_EQ(field_of(json{{"events", "x"}}), "events: must be an array");
  EXPECT_EQ(field_of(json::parse(R"({"events": [{"target": {}}]})")), "events[0].action: missing");
  EXPECT_EQ(field_of(json::parse(R"({"events": [{"action": "push"}]})")), "events[0].target: missing");
  EXPECT_EQ(field_of(json::parse(R"({"events": [{"action": "push", "target": {
      "mediaType": "application/vnd.oci.image.manifest.v1+json", "repository": "a", "url": "file:///etc/passwd"}}]})")),
            "events[0].target.url: must be an http(s) URL");
  EXPECT_EQ(field_of(json::parse(R"({"type": "PUSH_ARTIFACT", "event_data": {"resources": [{"resource_url": "nohost"}]}})")),
            "event_data.resources[0].resource_url: must be host/repository:tag");
  EXPECT_EQ(field_of(json::parse(R"({"type": "PUSH_ARTIFACT"})")), ".event_data: missing");
}

TEST(registry_notification, the_first_matching_rule_decides_and_untagged_pushes_never_match) {
  webhook_rule apps;
  apps.repository = "library/*";
  apps.tags = {"v*"};
  apps.scope = "all_peers";
  webhook_rule everything;
  const std::vector<webhook_rule> rules{apps, everything};
  EXPECT_EQ(matching_rule(rules, {"u", "library/app", "v1.2"})->scope, "all_peers");
  EXPECT_EQ(matching_rule(rules, {"u", "library/app", "latest"})->scope, "all_seed_peers");
  EXPECT_EQ(matching_rule(rules, {"u", "library/app", ""}), nullptr);
  EXPECT_EQ(matching_rule({apps}, {"u", "team/app", "v1"}), nullptr);
}

TEST(registry_notification, rules_come_from_the_config_and_are_checked) {
  const auto c = config::parse(R"(
webhooks:
  harbor_scheme: http
  rules:
    - {repository: "library/*", tags: ["v*", "latest"], scheduler_cluster_ids: [2], scope: all_peers,
       username: bot, password: s3cret}
)");
  ASSERT_EQ(c.webhooks.rules.size(), 1u);
  EXPECT_EQ(c.webhooks.harbor_scheme, "http");
  EXPECT_EQ(c.webhooks.rules[0].tags, (std::vector<std::string>{"v*", "latest"}));
  EXPECT_EQ(c.webhooks.rules[0].scheduler_cluster_ids, std::vector<std::int64_t>{2});
  EXPECT_EQ(c.webhooks.rules[0].password, "s3cret");
  EXPECT_EQ(c.to_yaml().find("s3cret"), std::string::npos);
  EXPECT_THROW(config::parse("webhooks: {rules: [{scope: everywhere}]}"), df::config_error);
  EXPECT_THROW(config::parse("webhooks: {rules: [{repo: x}]}"), df::config_error);
  EXPECT_THROW(config::parse("webhooks: {harbor_scheme: ftp}"), df::config_error);
}

}  // namespace
}  // namespace df::manager
