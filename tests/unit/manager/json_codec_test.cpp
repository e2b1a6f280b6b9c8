#include "manager/api_error.hpp"
#include "manager/json_codec.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

// The api_error a body gives when applied to a new cluster, or "" when it is accepted.
std::string cluster_error(const std::string& body) {
  try {
    scheduler_cluster c;
    apply_cluster_fields(parse_body(body), c);
    return "";
  } catch (const api_error& e) {
    return std::to_string(e.status) + " " + e.code + ": " + e.what();
  }
}

TEST(json_codec, a_full_cluster_round_trips) {
  scheduler_cluster c;
  apply_cluster_fields(parse_body(R"({"name":"idc-a","bio":"first","is_default":true,
      "scopes":{"idc":"a|b","location":"cn|hz","cidrs":["10.0.0.0/8"],"hostnames":["h-*"]},
      "config":{"candidate_parent_limit":5,"filter_parent_limit":40,"peer_upload_rate_limit":1048576,
                "peer_download_rate_limit":2097152,"blocklist":{"applications":["x"],"urls":["^https://bad/"],"tags":["t"]}}})"),
                       c);
  EXPECT_EQ(c.name, "idc-a");
  EXPECT_EQ(c.scopes.cidrs, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(c.config.filter_parent_limit, 40u);
  EXPECT_EQ(c.config.blocklist.urls, std::vector<std::string>{"^https://bad/"});
  EXPECT_EQ(scopes_from_json(to_json(c.scopes)), c.scopes);
  EXPECT_EQ(config_from_json(to_json(c.config)), c.config);
}

TEST(json_codec, bad_input_is_a_clear_4xx_naming_the_field) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "400 invalid_json"},
      {"[1,2]", "400 wrong_type"},
      {R"({"name":"a","colour":"red"})", "400 unknown_field: colour"},
      {R"({"name":"a","scopes":{"cidr":["10.0.0.0/8"]}})", "400 unknown_field: scopes.cidr"},
      {R"({"name":"a","config":{"blocklist":{"hosts":[]}}})", "400 unknown_field: config.blocklist.hosts"},
      {R"({"name":"a","scopes":{"cidrs":["10.0.0.0/33"]}})", "400 invalid_value: scopes.cidrs[0]"},
      {R"({"name":"a","scopes":{"cidrs":"10.0.0.0/8"}})", "400 wrong_type: scopes.cidrs"},
      {R"({"name":"a","scopes":{"cidrs":[1]}})", "400 wrong_type: scopes.cidrs[0]"},
      {R"({"name":"a","scopes":{"hostnames":["(unclosed"]}})", "400 invalid_value: scopes.hostnames[0]"},
      {R"({"name":"a","scopes":{"hostnames":["ok-*","a b"]}})", "400 invalid_value: scopes.hostnames[1]"},
      {R"({"name":"a","config":{"blocklist":{"urls":["["]}}})", "400 invalid_value: config.blocklist.urls[0]"},
      {R"({"name":42})", "400 wrong_type: name"},
      {R"({"name":"has space"})", "400 invalid_value: name"},
      {R"({"name":""})", "400 invalid_value: name"},
      {R"({"name":"a","is_default":"yes"})", "400 wrong_type: is_default"},
      {R"({"name":"a","config":{"candidate_parent_limit":-1}})", "400 invalid_value: config.candidate_parent_limit"},
      {R"({"name":"a","config":{"candidate_parent_limit":0}})", "400 invalid_value: config.candidate_parent_limit"},
      {R"({"name":"a","config":{"candidate_parent_limit":1.5}})", "400 wrong_type: config.candidate_parent_limit"},
      {R"({"name":"a","config":{"filter_parent_limit":99999999999}})", "400 invalid_value: config.filter_parent_limit"},
      {R"({"name":"a","config":{"peer_upload_rate_limit":1}})", "400 invalid_value: config.peer_upload_rate_limit"},
      {R"({"name":"a","config":{"peer_download_rate_limit":65535}})", "400 invalid_value: config.peer_download_rate_limit"},
      {R"({"name":"a","config":{"peer_download_rate_limit":65536,"peer_upload_rate_limit":0}})", ""},
      {R"({"name":"a","bio":")" + std::string(2000, 'x') + R"("})", "400 invalid_value: bio"},
      {std::string(100, '[') + std::string(100, ']'), "400 too_deep"},
      {R"({"name":"a","bio":"nul \u0000 inside"})", "400 invalid_value: bio"},
      {R"({"name":"a","bio":")" + std::string(100, '[') + R"("})", ""},  // brackets inside a string are text
  };
  for (const auto& [body, expected] : cases) {
    const auto got = cluster_error(body);
    if (expected.empty()) {
      EXPECT_EQ(got, "") << body.substr(0, 80);
    } else {
      EXPECT_EQ(got.substr(0, expected.size()), expected) << body.substr(0, 80) << " → " << got;
    }
  }
}

TEST(json_codec, registrations_check_addresses_and_ports) {
  EXPECT_EQ(decode_scheduler(parse_body(R"({"hostname":"s1","ip":"10.0.0.1","port":8002})")).port, 8002);
  EXPECT_THROW(decode_scheduler(parse_body(R"({"hostname":"s1","ip":"10.0.0.1"})")), api_error);
  EXPECT_THROW(decode_scheduler(parse_body(R"({"hostname":"s1","ip":"10.0.0.1","port":70000})")), api_error);
  EXPECT_THROW(decode_scheduler(parse_body(R"({"hostname":"s1","ip":"10.0.0.300","port":1})")), api_error);
  EXPECT_THROW(decode_seed_peer(parse_body(R"({"hostname":"s1","ip":"::1","port":1,"type":"mega"})")), api_error);
  EXPECT_THROW(decode_host(parse_body(R"({"hostname":"h/1","ip":"::1"})")), api_error);
  EXPECT_THROW(decode_host(parse_body(R"({"hostname":"h1","ip":"::1","cache_bytes":-5})")), api_error);
  EXPECT_THROW(decode_host(parse_body(R"({"hostname":"h1","ip":"::1","cache_bytes":9223372036854775808})")), api_error);
  EXPECT_EQ(decode_host(parse_body(R"({"hostname":"h1","ip":"::1","cache_bytes":9223372036854775807})")).cache_bytes,
            9223372036854775807ull);
  EXPECT_EQ(decode_host(parse_body(R"({"hostname":"h1","ip":"::1","idc":"a"})")).idc, "a");
}

}  // namespace
}  // namespace df::manager
