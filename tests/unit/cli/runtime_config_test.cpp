#include "cli/runtime_config.hpp"

#include <gtest/gtest.h>

namespace df::cli {
namespace {

TEST(runtime_config, registries_are_read_with_https_by_default_and_docker_hub_named) {
  auto r = parse_registry("registry.example:5000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "registry.example:5000");
  EXPECT_EQ(r->server, "https://registry.example:5000");
  r = parse_registry("http://127.0.0.1:5000/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->server, "http://127.0.0.1:5000");
  r = parse_registry("docker.io");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->host, "docker.io");
  EXPECT_EQ(r->server, "https://registry-1.docker.io");
  EXPECT_FALSE(parse_registry("https://registry.example/path"));
  EXPECT_FALSE(parse_registry("bad host"));
}

TEST(runtime_config, hosts_toml_puts_the_mirror_first_and_the_registry_as_fallback) {
  const auto text = containerd_hosts_toml({"r.example", "https://r.example"}, "http://127.0.0.1:65001");
  EXPECT_NE(text.find("server = \"https://r.example\""), std::string::npos);
  EXPECT_NE(text.find("[host.\"http://127.0.0.1:65001\"]\n  capabilities = [\"pull\", \"resolve\"]"), std::string::npos);
  EXPECT_EQ(containerd_hosts_toml({"_default", ""}, "http://m:1").find("server ="), std::string::npos);
}

TEST(runtime_config, docker_json_keeps_other_settings_and_adds_the_mirror_once) {
  auto text = docker_daemon_json("{\"log-driver\": \"journald\", \"registry-mirrors\": [\"https://other\"]}",
                                 "http://127.0.0.1:65001");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("journald"), std::string::npos);
  EXPECT_LT(text->find("127.0.0.1:65001"), text->find("https://other"));
  auto again = docker_daemon_json(*text, "http://127.0.0.1:65001");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *text);
  EXPECT_TRUE(docker_daemon_json("", "http://m:1"));
  EXPECT_FALSE(docker_daemon_json("{not json", "http://m:1"));
  EXPECT_FALSE(docker_daemon_json("{\"registry-mirrors\": \"x\"}", "http://m:1"));
}

TEST(runtime_config, podman_dropin_marks_a_plain_http_mirror_insecure) {
  const auto text = podman_registries_conf({{"r.example", "https://r.example"}}, "http://127.0.0.1:65001");
  EXPECT_NE(text.find("location = \"r.example\""), std::string::npos);
  EXPECT_NE(text.find("[[registry.mirror]]\nlocation = \"127.0.0.1:65001\"\ninsecure = true"), std::string::npos);
}

}  // namespace
}  // namespace df::cli
