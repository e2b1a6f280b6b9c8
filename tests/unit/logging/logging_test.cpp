#include "logging/logging.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace df::logging {
namespace {

const std::string task_id(64, 'a');

TEST(json_fields, escapes_the_message_and_names_the_task) {
  EXPECT_EQ(json_fields("plain"), R"("msg":"plain")");
  EXPECT_EQ(json_fields("a \"quote\" \\ and\nnew line\t\x01"), R"("msg":"a \"quote\" \\ and\nnew line\t\u0001")");
  EXPECT_EQ(json_fields("task " + task_id + ": done"), R"("msg":"task )" + task_id + R"(: done","task_id":")" + task_id + "\"");
  EXPECT_EQ(json_fields("task " + task_id), R"("msg":"task )" + task_id + R"(","task_id":")" + task_id + "\"");
  // Not a task ID: too short, not hex, or longer than 64 hex digits.
  EXPECT_EQ(json_fields("task abc: x"), R"("msg":"task abc: x")");
  EXPECT_EQ(json_fields("task " + std::string(64, 'g')), "\"msg\":\"task " + std::string(64, 'g') + "\"");
  EXPECT_EQ(json_fields("task " + task_id + "b"), "\"msg\":\"task " + task_id + "b\"");
}

class logging_file : public ::testing::Test {
 protected:
  void TearDown() override { spdlog::set_default_logger(std::make_shared<spdlog::logger>("")); }
  df::test::temp_dir dir;
};

TEST_F(logging_file, json_lines_parse_and_carry_level_component_and_task) {
  options o;
  o.format = "json";
  o.file = (dir.path() / "d.log").string();
  ASSERT_EQ(apply(o, "debug", "dfdaemon"), "");
  spdlog::debug("task {}: from \"peers\"", task_id);
  spdlog::trace("not written at debug");
  spdlog::default_logger()->flush();
  std::ifstream in(o.file);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["level"], "debug");
  EXPECT_EQ(lines[0]["component"], "dfdaemon");
  EXPECT_EQ(lines[0]["task_id"], task_id);
  EXPECT_EQ(lines[0]["msg"], "task " + task_id + ": from \"peers\"");
  EXPECT_EQ(lines[0]["time"].get<std::string>().back(), 'Z');
}

TEST_F(logging_file, rotates_at_the_size_and_keeps_max_files) {
  options o;
  o.file = (dir.path() / "r.log").string();
  o.max_size = "4KiB";
  o.max_files = 2;
  ASSERT_EQ(apply(o, "info", "dfscheduler"), "");
  for (int i = 0; i < 400; ++i) spdlog::info("line {} {}", i, std::string(40, 'x'));
  spdlog::default_logger()->flush();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "r.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "r.1.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "r.2.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r.3.log"));
  EXPECT_LE(std::filesystem::file_size(dir.path() / "r.1.log"), 4096u);
}

TEST(logging_options, bad_values_are_refused_with_a_reason) {
  options o;
  EXPECT_NE(apply(o, "loud", "x").find("log level 'loud'"), std::string::npos);
  o.format = "xml";
  EXPECT_NE(apply(o, "info", "x").find("--log-format"), std::string::npos);
  o.format = "text";
  o.file = "/proc/version/x.log";  // under a file: no directory can be made
  EXPECT_NE(apply(o, "info", "x").find("cannot open the log file"), std::string::npos);
  o.file = "x.log";  // refused for its size before it is opened
  o.max_size = "12";
  EXPECT_NE(apply(o, "info", "x").find("--log-max-size"), std::string::npos);
}

}  // namespace
}  // namespace df::logging
