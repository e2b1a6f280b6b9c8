#include "core/yaml_config.hpp"
#include "daemon/config.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    config::parse(yaml).validate();
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(daemon_config, empty_file_gives_the_defaults) {
  const auto c = config::parse("");
  EXPECT_EQ(c.upload.port, 65002);
  EXPECT_EQ(c.download.concurrent_pieces, 12u);
  EXPECT_EQ(c.download.per_parent_pieces, 2u);
  EXPECT_EQ(c.seed.revalidate, "always");
}

TEST(daemon_config, values_in_human_units) {
  const auto c = config::parse("download:\n  rate_limit: 30MB\n  piece_timeout: 10s\ngc:\n  quota: 2GiB\n");
  EXPECT_EQ(c.download.rate_limit, 30'000'000u);
  EXPECT_EQ(c.download.piece_timeout.count(), 10000);
  EXPECT_EQ(c.gc.quota, 2ull << 30);
}

TEST(daemon_config, mistakes_are_errors_that_name_the_key) {
  EXPECT_NE(error_of("donwload: {}").find("unknown key 'donwload'"), std::string::npos);
  EXPECT_NE(error_of("gc:\n  quota: lots\n").find("'quota'"), std::string::npos);
  EXPECT_NE(error_of("gc: [1, 2]").find("'gc' must be a mapping"), std::string::npos);
  EXPECT_NE(error_of("upload:\n  port: http\n").find("'port'"), std::string::npos);
  EXPECT_NE(error_of("seed:\n  revalidate: sometimes\n").find("seed.revalidate"), std::string::npos);
  EXPECT_NE(error_of("gc:\n  low_watermark: 0.95\n").find("watermarks"), std::string::npos);
  EXPECT_NE(error_of("[unclosed").find("malformed YAML"), std::string::npos);
  EXPECT_EQ(error_of("log_level: debug\n"), "");
}

TEST(daemon_config, printed_settings_read_back_the_same) {
  auto c = config::parse("host:\n  idc: \"a: b\"\n  location: \"cn|hz\"\ngc:\n  high_watermark: 0.75\n");
  const std::string printed = c.to_yaml();
  EXPECT_EQ(config::parse(printed).to_yaml(), printed);
  EXPECT_EQ(config::parse(printed).host.idc, "a: b");
}

}  // namespace
}  // namespace df::daemon
