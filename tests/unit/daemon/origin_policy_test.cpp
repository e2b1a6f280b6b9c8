#include "daemon/origin_policy.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

namespace ip = boost::asio::ip;

ip::address addr(const char* text) { return ip::make_address(text); }

origin_policy seed_policy(std::vector<std::string> allow = {}, std::vector<std::string> deny = {}) {
  auto p = origin_policy::make(allow, deny, {addr("10.1.2.3")}, true);
  EXPECT_TRUE(p);
  return *p;
}

TEST(origin_policy, a_seed_refuses_loopback_link_local_unspecified_and_its_own_addresses) {
  const auto p = seed_policy();
  EXPECT_NE(p.refusal("127.0.0.1", addr("127.0.0.1")).find("loopback"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("127.200.0.9")).find("loopback"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("::1")).find("loopback"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("::ffff:127.0.0.1")).find("loopback"), std::string::npos);
  EXPECT_NE(p.refusal("metadata", addr("169.254.169.254")).find("link-local"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("fe80::1")).find("link-local"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("0.0.0.0")).find("unspecified"), std::string::npos);
  EXPECT_NE(p.refusal("me", addr("10.1.2.3")).find("own address"), std::string::npos);
  EXPECT_EQ(p.refusal("origin", addr("10.1.2.4")), "");
  EXPECT_EQ(p.refusal("origin", addr("169.255.0.1")), "");
}

TEST(origin_policy, allow_wins_over_the_defaults_and_deny) {
  const auto p = seed_policy({"127.0.0.0/8", "registry.local", "fe80::/16"}, {"127.0.0.9", "10.0.0.0/8"});
  EXPECT_EQ(p.refusal("x", addr("127.0.0.9")), "");
  EXPECT_EQ(p.refusal("Registry.Local", addr("169.254.1.1")), "");
  EXPECT_EQ(p.refusal("x", addr("fe80::1")), "");
  EXPECT_NE(p.refusal("x", addr("10.9.9.9")).find("origin_policy.deny"), std::string::npos);
  EXPECT_NE(p.refusal("x", addr("::1")), "");  // ::1 is not in 127.0.0.0/8
}

TEST(origin_policy, deny_applies_to_every_daemon_and_the_defaults_only_to_seeds) {
  auto plain = origin_policy::make({}, {"192.168.0.0/16", "evil.example"}, {}, false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->refusal("x", addr("127.0.0.1")), "");
  EXPECT_NE(plain->refusal("x", addr("192.168.4.4")), "");
  EXPECT_NE(plain->refusal("evil.example", addr("8.8.8.8")), "");
}

TEST(origin_policy, a_malformed_network_is_an_error) {
  EXPECT_FALSE(origin_policy::make({"10.0.0.0/33"}, {}, {}, true));
  EXPECT_FALSE(origin_policy::make({}, {"not an address/8"}, {}, true));
  EXPECT_FALSE(origin_policy::make({""}, {}, {}, true));
  EXPECT_TRUE(origin_policy::make({"::/0"}, {}, {}, true));
}

}  // namespace
}  // namespace df::daemon
