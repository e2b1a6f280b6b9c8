// The 5-field cron parser: what it accepts, what it refuses (naming the field), and next times.
#include "manager/cron.hpp"
#include "manager/job_codec.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace df::manager {
namespace {

std::int64_t at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

std::string next(const char* expr, const char* after) {
  std::string why;
  const auto c = parse_cron(expr, why);
  EXPECT_TRUE(c) << expr << ": " << why;
  if (!c) return "";
  const auto n = c->next_after(at(after));
  return n ? format_rfc3339(*n) : "never";
}

TEST(cron, next_times) {
  EXPECT_EQ(next("* * * * *", "2026-12-02T05:40:35Z"), "2026-12-02T05:41:00Z");
  EXPECT_EQ(next("*/15 * * * *", "2026-12-02T05:40:00Z"), "2026-12-02T05:45:00Z");
  EXPECT_EQ(next("0 3 * * *", "2026-12-02T05:40:00Z"), "2026-12-03T03:00:00Z");
  EXPECT_EQ(next("30 2 1 * *", "2026-12-02T05:40:00Z"), "2027-01-01T02:30:00Z");
  EXPECT_EQ(next("0 0 * * 0", "2026-12-02T05:40:00Z"), "2026-12-06T00:00:00Z");  // a Sunday
  EXPECT_EQ(next("0 0 * * 7", "2026-12-02T05:40:00Z"), "2026-12-06T00:00:00Z");  // 7 is Sunday too
  EXPECT_EQ(next("0 9-17/4 * * 1-5", "2026-12-04T17:30:00Z"), "2026-12-07T09:00:00Z");  // Fri → Mon
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(next("0 0 13 * 5", "2026-12-02T00:00:00Z"), "2026-12-04T00:00:00Z");  // dom OR dow
  EXPECT_EQ(next("5,10 * * * *", "2026-12-02T05:05:00Z"), "2026-12-02T05:10:00Z");
  EXPECT_EQ(next("0 0 30 2 *", "2026-12-02T00:00:00Z"), "never");
}

TEST(cron, refusals_name_the_field) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "5 fields"},          {"* * * *", "5 fields"},        {"* * * * * *", "5 fields"},
      {"60 * * * *", "minute"},  {"* 24 * * *", "hour"},         {"* * 0 * *", "day-of-month"},
      {"* * * 13 *", "month"},   {"* * * * 8", "day-of-week"},   {"*/0 * * * *", "minute"},
      {"a * * * *", "minute"},   {"5-1 * * * *", "minute"},      {"1/2/3 * * * *", "minute"},
      {"1,,2 * * * *", "minute"}, {"-1 * * * *", "minute"},
  };
  for (const auto& [expr, field] : cases) {
    std::string why;
    EXPECT_FALSE(parse_cron(expr, why)) << expr;
    EXPECT_NE(why.find(field), std::string::npos) << expr << " → " << why;
  }
}

TEST(rfc3339, round_trip_and_offsets) {
  EXPECT_EQ(format_rfc3339(at("2030-01-01T00:00:00Z")), "2030-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(std::numeric_limits<std::int64_t>::max()), "");  // never
  EXPECT_EQ(at("2030-01-01T08:00:00+08:00"), at("2030-01-01T00:00:00Z"));
  EXPECT_EQ(at("2030-01-01T00:00:00.123456789Z"), at("2030-01-01T00:00:00Z"));
  for (const char* bad : {"2030-01-01", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "2030-01-01T00:00:00+8",
                          "2030-01-01T00:00:00Zjunk", "tomorrow"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

}  // namespace
}  // namespace df::manager
