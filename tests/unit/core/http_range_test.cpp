#include "core/http_range.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

TEST(content_range, parses_satisfied_ranges) {
  content_range r;
  ASSERT_TRUE(parse_content_range("bytes 100-199/1000", r));
  EXPECT_EQ(r.first, 100u);
  EXPECT_EQ(r.last, 199u);
  EXPECT_EQ(r.total, 1000u);
  ASSERT_TRUE(parse_content_range("bytes 0-0/1", r));
}

TEST(content_range, rejects_malformed_and_absurd) {
  content_range r;
  for (const char* bad : {"", "bytes", "bytes */1000", "bytes 5-4/10", "bytes 0-10/10", "items 0-1/2",
                          "bytes -1-2/3", "bytes 1-2/", "bytes 1-2/3x", "bytes 99999999999999999999-1/2"})
    EXPECT_FALSE(parse_content_range(bad, r)) << bad;
}

}  // namespace
}  // namespace df
