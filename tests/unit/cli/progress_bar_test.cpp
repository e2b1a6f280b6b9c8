#include "cli/progress_bar.hpp"

#include <gtest/gtest.h>

namespace df::cli {
namespace {

TEST(progress_bar, shows_percent_rate_eta_and_sources) {
  progress_snapshot s{50u << 20, 100 << 20, 2.0, 30u << 20, 10u << 20, 10u << 20, 0};
  const auto line = render_progress(s, 120);
  EXPECT_NE(line.find(" 50%"), std::string::npos) << line;
  EXPECT_NE(line.find("50.0 MiB/100.0 MiB"), std::string::npos) << line;
  EXPECT_NE(line.find("25.0 MiB/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:02"), std::string::npos) << line;
  EXPECT_NE(line.find("p2p 80% origin 20%"), std::string::npos) << line;
  EXPECT_LE(line.size(), 120u);
}

TEST(progress_bar, unknown_total_and_narrow_terminal) {
  progress_snapshot s{1024, -1, 1.0, 0, 0, 0, 0};
  const auto line = render_progress(s, 200);
  EXPECT_NE(line.find("1.0 KiB/?"), std::string::npos) << line;
  EXPECT_LE(render_progress(s, 20).size(), 20u);
}

TEST(progress_bar, summary_names_every_source) {
  progress_snapshot s{4096, 4096, 1.0, 1024, 1024, 2048, 0};
  const auto line = render_summary(s, true);
  EXPECT_NE(line.find("peers 1.0 KiB"), std::string::npos) << line;
  EXPECT_NE(line.find("seed peer 1.0 KiB"), std::string::npos) << line;
  EXPECT_NE(line.find("origin 2.0 KiB"), std::string::npos) << line;
  EXPECT_NE(line.find("back-to-source"), std::string::npos) << line;
}

}  // namespace
}  // namespace df::cli
