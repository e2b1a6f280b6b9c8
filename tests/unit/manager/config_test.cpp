#include "core/yaml_config.hpp"
#include "manager/config.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

TEST(manager_config, the_shipped_file_states_the_defaults) {
  const auto shipped = config::load(DF_SOURCE_DIR "/configs/dfmanager.yaml");
  EXPECT_EQ(shipped.to_yaml(), config{}.to_yaml());
}

TEST(manager_config, sections_may_be_absent_or_partial) {
  EXPECT_EQ(config::parse("").port, 8080);
  const auto c = config::parse("keepalive:\n  interval: 250ms\ndatabase:\n  type: postgres\n");
  EXPECT_EQ(c.keepalive.interval, std::chrono::milliseconds(250));
  EXPECT_EQ(c.database.type, "postgres");
  EXPECT_EQ(c.database.pg_port, 5432);
  c.validate();
}

TEST(manager_config, mistakes_are_config_errors_naming_the_key) {
  EXPECT_THROW(config::parse("databse: {}"), config_error);
  EXPECT_THROW(config::parse("database:\n  postgres:\n    pasword: x\n"), config_error);
  EXPECT_THROW(config::parse("database: sqlite"), config_error);  // a scalar where a section belongs
  EXPECT_THROW(config::parse("server:\n  port: http\n"), config_error);
  EXPECT_THROW(config::parse("database:\n  type: mysql\n").validate(), config_error);
  EXPECT_THROW(config::parse("auth:\n  admin_token: short\n").validate(), config_error);
  EXPECT_THROW(config::parse("keepalive:\n  misses: 0\n").validate(), config_error);
}

TEST(manager_config, secrets_never_print_but_reach_libpq_quoted) {
  const auto c = config::parse(
      "auth:\n  admin_token: a-very-secret-admin-token\ndatabase:\n  postgres:\n    password: \"p'w\\\\d\"\n");
  const auto printed = c.to_yaml();
  EXPECT_EQ(printed.find("a-very-secret-admin-token"), std::string::npos);
  EXPECT_EQ(printed.find("p'w"), std::string::npos);
  EXPECT_NE(printed.find("<redacted>"), std::string::npos);
  EXPECT_NE(c.postgres_conninfo().find(R"(password='p\'w\\d')"), std::string::npos) << c.postgres_conninfo();
}

}  // namespace
}  // namespace df::manager
