#include "cli/download.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

namespace df::cli {
namespace {

TEST(dfget, parse_header) {
  std::map<std::string, std::string> h;
  EXPECT_TRUE(parse_header("Authorization: Bearer abc", h));
  EXPECT_EQ(h["Authorization"], "Bearer abc");
  EXPECT_TRUE(parse_header("X-Empty:", h));
  EXPECT_EQ(h["X-Empty"], "");
  EXPECT_FALSE(parse_header("no colon", h));
  EXPECT_FALSE(parse_header(": value", h));
}

TEST(dfget, usage_errors_are_reported_before_contacting_the_daemon) {
  test::temp_dir dir;
  std::ostringstream err;
  download_options o;
  o.url = "not a url";
  o.output = (dir.path() / "out").string();
  o.socket = (dir.path() / "none.sock").string();
  EXPECT_EQ(run_download(o, err), exit_code::usage);
  EXPECT_NE(err.str().find("invalid URL"), std::string::npos);
  o.url = "http://h/f";
  o.digest = "sha256:xyz";
  EXPECT_EQ(run_download(o, err), exit_code::usage);
  EXPECT_NE(err.str().find("invalid --digest"), std::string::npos);
}

TEST(dfget, missing_daemon_is_a_clear_error_and_writes_nothing) {
  test::temp_dir dir;
  std::ostringstream err;
  download_options o;
  o.url = "http://h/f";
  o.output = (dir.path() / "out").string();
  o.socket = (dir.path() / "none.sock").string();
  EXPECT_EQ(run_download(o, err), exit_code::daemon_unreachable);
  EXPECT_NE(err.str().find("cannot reach dfdaemon"), std::string::npos) << err.str();
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // no output, no temporary left behind
}

}  // namespace
}  // namespace df::cli
