#include "manager/cidr.hpp"
#include "manager/scope_match.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace df::manager {
namespace {

scheduler_cluster cluster(std::int64_t id, cluster_scopes scopes, bool is_default = false) {
  scheduler_cluster c;
  c.id = id;
  c.name = "c" + std::to_string(id);
  c.scopes = std::move(scopes);
  c.is_default = is_default;
  return c;
}

// Six clusters, one of each kind of scope, and the default.
const std::vector<scheduler_cluster> clusters = {
    cluster(1, {}, true),                                         // default, no scopes
    cluster(2, {"idc-a|idc-b", "", {}, {}}),                      // by idc
    cluster(3, {"", "cn|hangzhou", {}, {}}),                      // by location
    cluster(4, {"", "", {"10.0.0.0/8"}, {}}),                     // wide CIDR
    cluster(5, {"", "", {"10.1.2.0/24", "fd00::/8"}, {}}),        // narrow CIDR and IPv6
    cluster(6, {"", "", {}, {"gpu-*.example.com"}}),            // by hostname
    cluster(7, {"idc-c", "us|east", {"192.168.0.0/16"}, {}}),     // several kinds at once
};

struct row {
  host_facts host;
  std::int64_t expected;
  const char* why;
};

TEST(scope_match, table_of_hosts_and_clusters) {
  const std::vector<row> table = {
      {{"h1", "172.16.0.1", "", ""}, 1, "nothing matches: the default"},
      {{"h2", "172.16.0.1", "idc-b", ""}, 2, "idc in the list"},
      {{"h3", "172.16.0.1", "idc-bb", ""}, 1, "an idc is matched whole, not by prefix"},
      {{"h4", "172.16.0.1", "", "cn|hangzhou|rack12"}, 3, "location inside the scope's path"},
      {{"h5", "10.9.9.9", "", ""}, 4, "wide CIDR"},
      {{"h6", "10.1.2.3", "", ""}, 5, "both CIDRs match: the longer prefix wins"},
      {{"h7", "fd00::1", "", ""}, 5, "IPv6 CIDR"},
      {{"gpu-12.example.com", "172.16.0.1", "", ""}, 6, "hostname pattern"},
      {{"gpu-12.example.com.evil", "172.16.0.1", "", ""}, 1, "a pattern matches the whole hostname"},
      {{"h8", "10.9.9.9", "idc-a", ""}, 4, "CIDR (0.30) outweighs idc (0.25)"},
      {{"h9", "192.168.1.1", "idc-a", "us|east|r1"}, 7, "CIDR + location beat idc alone"},
      {{"h10", "172.16.0.1", "idc-c", "cn|hangzhou"}, 7, "idc (0.25) beats location (0.14)"},
      {{"h11", "not-an-ip", "", ""}, 1, "a bad ip matches no CIDR"},
  };
  for (const auto& r : table) {
    const auto ranks = rank_clusters(r.host, clusters);
    ASSERT_FALSE(ranks.empty()) << r.why;
    EXPECT_EQ(ranks.front().cluster_id, r.expected) << r.host.hostname << ": " << r.why;
  }
}

TEST(scope_match, weights_sum_to_one_and_partial_locations_score_less) {
  EXPECT_EQ(scope_weights::cidr + scope_weights::hostname + scope_weights::idc + scope_weights::location +
                scope_weights::is_default,
            10000u);
  const auto full = score_cluster({"h", "", "", "cn|hangzhou|r1"}, clusters[2]);
  const auto half = score_cluster({"h", "", "", "cn|beijing"}, clusters[2]);
  const auto none = score_cluster({"h", "", "", "us"}, clusters[2]);
  EXPECT_EQ(full.score, scope_weights::location);
  EXPECT_EQ(half.score, scope_weights::location / 2);
  EXPECT_EQ(none.score, 0u);
}

TEST(scope_match, without_a_default_a_host_matching_nothing_gets_no_cluster) {
  const std::vector<scheduler_cluster> no_default(clusters.begin() + 1, clusters.end());
  EXPECT_TRUE(rank_clusters({"h", "172.16.0.1", "", ""}, no_default).empty());
}

TEST(scope_match, hostname_globs) {
  const std::vector<std::tuple<const char*, const char*, bool>> cases = {
      {"gpu-*.example.com", "gpu-12.example.com", true},  {"gpu-*.example.com", "GPU-1.Example.COM", true},
      {"gpu-*.example.com", "gpu-.example.com", true},    {"gpu-*.example.com", "gpu-1.example.com.evil", false},
      {"web-??", "web-01", true},                         {"web-??", "web-001", false},
      {"*", "anything", true},                            {"a*b*c", "aXbYbZc", true},
      {"a*b*c", "aXbYbZ", false},                         {"exact", "exact", true},
      {"exact", "exactly", false},
  };
  for (const auto& [pattern, text, expected] : cases) EXPECT_EQ(glob_match(pattern, text), expected) << pattern << " " << text;
  // Linear on hostile input: a pattern of stars against a long name that almost matches.
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(253, 'a')));
}

TEST(cidr, parses_and_contains) {
  EXPECT_TRUE(parse_cidr("10.0.0.0/8")->contains(*parse_ip("10.255.0.1")));
  EXPECT_FALSE(parse_cidr("10.0.0.0/8")->contains(*parse_ip("11.0.0.1")));
  EXPECT_TRUE(parse_cidr("0.0.0.0/0")->contains(*parse_ip("1.2.3.4")));
  EXPECT_FALSE(parse_cidr("0.0.0.0/0")->contains(*parse_ip("::1")));  // v4 and v6 never mix
  EXPECT_TRUE(parse_cidr("10.1.2.3")->contains(*parse_ip("10.1.2.3")));
  EXPECT_EQ(parse_cidr("10.1.2.0/24")->written_prefix(), 24u);
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "fd00::/129", "host/8",
                          "10.0.0.0/-1", "10.0.0.0/0008"})
    EXPECT_FALSE(parse_cidr(bad)) << bad;
}

}  // namespace
}  // namespace df::manager
