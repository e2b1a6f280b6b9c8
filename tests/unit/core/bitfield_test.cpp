#include "core/bitfield.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

// Builds a bitfield from a string like "1010 1": '1' set, '0' or ' ' clear.
bitfield from_string(const std::string& bits) {
  bitfield b(static_cast<std::uint32_t>(bits.size()));
  for (std::uint32_t i = 0; i < bits.size(); ++i)
    if (bits[i] == '1') b.set(piece_index(i));
  return b;
}

TEST(bitfield, counts_and_membership) {
  auto b = from_string("10110");
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(b.count(), 3u);
  EXPECT_TRUE(b.has(piece_index(0)));
  EXPECT_FALSE(b.has(piece_index(1)));
  EXPECT_FALSE(b.has(piece_index(99)));
  EXPECT_FALSE(b.set(piece_index(0)));  // already set
  EXPECT_FALSE(b.all());
}

TEST(bitfield, reset_clears_and_counts) {
  auto b = from_string("111");
  EXPECT_TRUE(b.reset(piece_index(1)));
  EXPECT_FALSE(b.reset(piece_index(1)));
  EXPECT_FALSE(b.reset(piece_index(7)));
  EXPECT_EQ(b.count(), 2u);
  EXPECT_FALSE(b.has(piece_index(1)));
}

TEST(bitfield, set_past_end_grows) {
  bitfield b;
  EXPECT_TRUE(b.set(piece_index(9)));
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b.count(), 1u);
}

TEST(bitfield, hex_round_trip) {
  const auto b = from_string("1000000011");
  EXPECT_EQ(b.to_hex(), "80c0");
  bitfield back;
  ASSERT_TRUE(bitfield::from_hex("80c0", 10, back));
  EXPECT_EQ(back.to_hex(), "80c0");
  EXPECT_EQ(back.count(), 3u);
}

TEST(bitfield, malformed_hex_rejected) {
  bitfield out;
  EXPECT_FALSE(bitfield::from_hex("8", 10, out));      // wrong length
  EXPECT_FALSE(bitfield::from_hex("zz00", 10, out));   // not hex
  EXPECT_FALSE(bitfield::from_hex("80ff", 10, out));   // bits past the end
}

}  // namespace
}  // namespace df
