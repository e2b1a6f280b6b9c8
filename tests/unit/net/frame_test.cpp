#include "net/frame.hpp"

#include <gtest/gtest.h>

namespace df::net {
namespace {

TEST(frame, header_round_trip) {
  const auto f = encode_frame(frame_kind::message, "hello");
  ASSERT_EQ(f.size(), frame_header_size + 5);
  auto h = decode_frame_header(std::string_view(f).substr(0, frame_header_size));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, frame_kind::message);
  EXPECT_EQ(h->length, 5u);
  EXPECT_EQ(f.substr(frame_header_size), "hello");
}

TEST(frame, big_endian_length) {
  const auto header = encode_frame_header(frame_kind::data, 0x01020304);
  EXPECT_EQ(static_cast<unsigned char>(header[0]), 2);
  EXPECT_EQ(static_cast<unsigned char>(header[1]), 1);
  EXPECT_EQ(static_cast<unsigned char>(header[4]), 4);
}

TEST(frame, malformed_headers_rejected) {
  EXPECT_FALSE(decode_frame_header("abc"));                                  // short
  EXPECT_FALSE(decode_frame_header(std::string("\x07\0\0\0\x01", 5)));       // unknown kind
  EXPECT_FALSE(decode_frame_header(std::string("\0\0\0\0\x01", 5)));         // kind 0
  const auto huge = decode_frame_header(std::string("\x01\xff\xff\xff\xff", 5));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error(), errc::message_too_large);
}

}  // namespace
}  // namespace df::net
