#include "core/units.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

TEST(units, sizes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("1234"), 1234u);
  EXPECT_EQ(*parse_size("30MB"), 30'000'000u);
  EXPECT_EQ(*parse_size("4MiB"), 4u << 20);
  EXPECT_EQ(*parse_size("1.5 GiB"), 1610612736u);
  EXPECT_FALSE(parse_size("MB"));
  EXPECT_FALSE(parse_size("12 parsecs"));
  EXPECT_FALSE(parse_size("-5MB"));
}

TEST(units, durations) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("30s")->count(), 30000);
  EXPECT_EQ(parse_duration("2")->count(), 2000);
  EXPECT_EQ(parse_duration("5m")->count(), 300000);
  EXPECT_EQ(parse_duration("1h")->count(), 3600000);
  EXPECT_FALSE(parse_duration("soon"));
  EXPECT_FALSE(parse_duration("3 weeks"));
}

TEST(units, format_size) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(256.0 * 1048576), "256.0 MiB");
}

}  // namespace
TEST(units, numbers_past_what_the_type_holds_are_errors_not_undefined) {
  // Found by fuzz_text_values once UBSan halted: a double past 2^64 cast to uint64.
  EXPECT_FALSE(parse_size("22727272727272727272"));
  EXPECT_FALSE(parse_size("20000000TiB"));
  EXPECT_TRUE(parse_size("16000000TiB"));  // 1.76e19 < 2^64
  EXPECT_FALSE(parse_duration("9999999999999999h"));
  EXPECT_FALSE(parse_duration("1e300s"));
}

}  // namespace df
