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


TEST(range_header, whole_partial_suffix_and_open_ended) {
  content_range r;
  EXPECT_EQ(parse_range_header("", 1000, r), range_request::whole);
  ASSERT_EQ(parse_range_header("bytes=100-199", 1000, r), range_request::partial);
  EXPECT_EQ(r.first, 100u);
  EXPECT_EQ(r.last, 199u);
  EXPECT_EQ(r.total, 1000u);
  ASSERT_EQ(parse_range_header("bytes=900-", 1000, r), range_request::partial);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  ASSERT_EQ(parse_range_header("bytes=-10", 1000, r), range_request::partial);
  EXPECT_EQ(r.first, 990u);
  EXPECT_EQ(r.last, 999u);
  ASSERT_EQ(parse_range_header("bytes=-5000", 1000, r), range_request::partial);
  EXPECT_EQ(r.first, 0u);
  ASSERT_EQ(parse_range_header("bytes=500-99999999", 1000, r), range_request::partial);
  EXPECT_EQ(r.last, 999u);
}

TEST(range_header, past_the_end_is_unsatisfiable_and_garbage_is_ignored) {
  content_range r;
  EXPECT_EQ(parse_range_header("bytes=1000-", 1000, r), range_request::unsatisfiable);
  EXPECT_EQ(parse_range_header("bytes=0-", 0, r), range_request::unsatisfiable);
  EXPECT_EQ(parse_range_header("bytes=-0", 1000, r), range_request::unsatisfiable);
  for (const char* bad : {"bytes=5-1", "bytes=a-b", "items=0-1", "bytes=0-1,5-6", "bytes=", "bytes=-",
                          "bytes=18446744073709551616-", "bytes=1"})
    EXPECT_EQ(parse_range_header(bad, 1000, r), range_request::ignored) << bad;
}

}  // namespace
}  // namespace df
