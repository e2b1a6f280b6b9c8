#include "daemon/connect_policy.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

TEST(connect_target, host_and_port_are_parsed_and_bounded) {
  const auto t = parse_connect_target("Registry.Example:443");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "registry.example");
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->authority(), "registry.example:443");
  EXPECT_EQ(t->url_authority(), "registry.example");
  const auto v6 = parse_connect_target("[2001:db8::1]:5000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->authority(), "[2001:db8::1]:5000");
  EXPECT_EQ(v6->url_authority(), "[2001:db8::1]:5000");
  EXPECT_EQ(parse_connect_target("192.0.2.1:8443")->url_authority(), "192.0.2.1:8443");
  for (const char* bad : {"", "registry.example", "registry.example:", ":443", "registry.example:0",
                          "registry.example:65536", "registry.example:44x", "registry.example:-1", "2001:db8::1:443",
                          "[registry.example]:443", "a b:443", "a,DNS:evil:443", "/path:443", "a..b:443",
                          "registry.example:443 "}) {
    EXPECT_FALSE(parse_connect_target(bad)) << bad;
  }
  const std::string huge = std::string(300, 'a') + ":443";
  ASSERT_FALSE(parse_connect_target(huge));
  EXPECT_EQ(parse_connect_target(huge).error(), errc::out_of_bounds);
}

config::proxy_section with_hijack(std::vector<std::string> hosts, bool tunnel) {
  config::proxy_section cfg;
  cfg.hijack_https.cert = "/ca.pem";
  cfg.hijack_https.key = "/ca.key";
  cfg.hijack_https.hosts = std::move(hosts);
  cfg.connect_tunnel = tunnel;
  return cfg;
}

TEST(connect_policy, hijacked_hosts_match_host_and_port_others_are_tunnelled_or_refused) {
  const auto cfg = with_hijack({"^registry\\.example:443$", "files\\.example"}, true);
  const connect_policy policy(cfg);
  const auto decide = [&](const char* t) { return policy.decide(*parse_connect_target(t)); };
  EXPECT_EQ(decide("registry.example:443"), connect_action::hijack);
  EXPECT_EQ(decide("REGISTRY.example:443"), connect_action::hijack);
  EXPECT_EQ(decide("registry.example:5000"), connect_action::tunnel);
  EXPECT_EQ(decide("registry.example.evil:443"), connect_action::tunnel);
  EXPECT_EQ(decide("cdn.files.example:8443"), connect_action::hijack);
  const auto refusing = with_hijack({"^registry\\.example:443$"}, false);
  const connect_policy strict(refusing);
  EXPECT_EQ(strict.decide(*parse_connect_target("other.example:443")), connect_action::refuse);
  EXPECT_EQ(strict.decide(*parse_connect_target("registry.example:443")), connect_action::hijack);
}

TEST(connect_policy, without_a_ca_nothing_is_hijacked) {
  config::proxy_section cfg;
  cfg.hijack_https.hosts = {".*"};
  EXPECT_EQ(connect_policy(cfg).decide(*parse_connect_target("registry.example:443")), connect_action::tunnel);
}

TEST(connect_policy, basic_auth_accepts_only_the_configured_credentials) {
  config::proxy_section open;
  EXPECT_FALSE(connect_policy(open).auth_required());
  EXPECT_TRUE(connect_policy(open).authorized(""));
  config::proxy_section cfg;
  cfg.basic_auth = {"proxy-user", "s3cret"};
  const connect_policy policy(cfg);
  EXPECT_TRUE(policy.auth_required());
  EXPECT_TRUE(policy.authorized("Basic cHJveHktdXNlcjpzM2NyZXQ="));  // proxy-user:s3cret
  EXPECT_TRUE(policy.authorized("basic  cHJveHktdXNlcjpzM2NyZXQ= "));
  for (const std::string bad : {"", "Basic", "Basic ", "Bearer cHJveHktdXNlcjpzM2NyZXQ=",
                                "Basic cHJveHktdXNlcjpzM2NyZXQ",     // no padding
                                "Basic cHJveHktdXNlcjpzM2NyZXQh",    // proxy-user:s3cret!
                                "Basic cHJveHktdXNlcjpzM2NyZQ==",    // proxy-user:s3cre
                                "Basic cHJveHktdXNlcjo=",            // proxy-user:
                                "Basic !!!!"}) {
    EXPECT_FALSE(policy.authorized(bad)) << bad;
  }
  EXPECT_FALSE(policy.authorized("Basic " + std::string(2000, 'A')));
}

}  // namespace
}  // namespace df::daemon
