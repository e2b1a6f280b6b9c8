// The daemon's cache of the manager's answer: written atomically, read back as written.
#include "daemon/cluster_cache.hpp"
#include "net/manager_protocol.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

namespace df::daemon {
namespace {

struct cluster_cache_test : ::testing::Test {
  void SetUp() override {
    char tmpl[] = "/tmp/df-cluster-cache-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
};

TEST_F(cluster_cache_test, an_answer_round_trips_through_the_file) {
  const std::string answer = R"({"scheduler_cluster": {"id": 4, "name": "c", "config": {"candidate_parent_limit": 4,
    "filter_parent_limit": 15, "peer_upload_rate_limit": 500000, "peer_download_rate_limit": 600000,
    "blocklist": {"applications": [], "urls": ["/x"], "tags": []}}}, "schedulers": [{"ip": "127.0.0.1", "port": 8002}]})";
  const auto file = dir / cluster_cache_name;
  EXPECT_FALSE(load_cluster_cache(file));
  ASSERT_TRUE(save_cluster_cache(file, answer));
  const auto loaded = load_cluster_cache(file);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, answer);
  std::string why;
  const auto parsed = net::manager::parse_host_answer(*loaded, why);
  ASSERT_TRUE(parsed) << why;
  EXPECT_EQ(parsed->schedulers, std::vector<std::string>{"127.0.0.1:8002"});
  EXPECT_EQ(parsed->config.peer_download_rate_limit, 600000u);
  // Replaced whole, and no temporary file left behind.
  ASSERT_TRUE(save_cluster_cache(file, "{}"));
  EXPECT_EQ(*load_cluster_cache(file), "{}");
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST_F(cluster_cache_test, an_oversized_or_unwritable_cache_is_refused) {
  const auto file = dir / cluster_cache_name;
  {
    std::ofstream out(file);
    out << std::string((1 << 20) + 1, ' ');
  }
  EXPECT_FALSE(load_cluster_cache(file));
  EXPECT_FALSE(save_cluster_cache(dir / "missing-dir" / cluster_cache_name, "{}"));
}

}  // namespace
}  // namespace df::daemon
