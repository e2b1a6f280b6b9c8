// The scheduler protocol's field bounds: whatever a hostile host sends is bounded before use.
#include "core/piece_layout.hpp"
#include "net/scheduler_protocol.hpp"

#include <gtest/gtest.h>

namespace df::net::proto {
namespace {

const std::string tid(64, 'a');

errc decode_error(const message& m) {
  auto r = decode(encode(m));
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

TEST(protocol_bounds, strings_over_their_limit_are_refused) {
  const std::string long_id(field_limits::id + 1, 'x');
  EXPECT_EQ(decode_error(register_peer{tid, long_id, "http://o/f", {}, "", "", {}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{tid, "p", "http://o/" + std::string(field_limits::url, 'u'), {}, "", "", {}}),
            errc::out_of_bounds);
  EXPECT_EQ(decode_error(peer_failed{tid, "p", std::string(field_limits::text + 1, 'm'), 0, ""}),
            errc::out_of_bounds);
  hello h;
  h.host.host_id = long_id;
  EXPECT_EQ(decode_error(h), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{tid, std::string(field_limits::id, 'x'), "http://o/f", {}, "", "", {}}),
            errc::ok);
}

TEST(protocol_bounds, header_count_and_size_are_bounded) {
  std::map<std::string, std::string> many;
  for (std::size_t i = 0; i <= field_limits::headers; ++i) many["h" + std::to_string(i)] = "v";
  EXPECT_EQ(decode_error(register_peer{tid, "p", "http://o/f", many, "", "", {}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{tid, "p", "http://o/f", {{"Cookie", std::string(field_limits::header_bytes, 'c')}},
                                       "", "", {}}),
            errc::out_of_bounds);
}

TEST(protocol_bounds, piece_numbers_past_the_largest_task_are_refused) {
  EXPECT_EQ(decode_error(piece_done{tid, "p", 4294967295u, ""}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(piece_done{tid, "p", max_piece_count, ""}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(piece_done{tid, "p", max_piece_count - 1, ""}), errc::ok);
  EXPECT_EQ(decode_error(have{tid, "p", "q", {piece_entry{max_piece_count, "d"}}}), errc::out_of_bounds);
  parents ps{tid, "p", {parent_info{"q", "h", "1.2.3.4", 1, false, {1, max_piece_count}}}, {}};
  EXPECT_EQ(decode_error(ps), errc::out_of_bounds);
}

TEST(protocol_bounds, a_negative_piece_number_does_not_wrap_into_range) {
  // JSON numbers are not checked for sign by the library: -1 must not become piece 4294967295
  // and pass, nor a small number.
  const auto r = decode(R"({"type":"piece_done","task_id":")" + tid + R"(","peer_id":"p","piece":-1,"digest":""})");
  EXPECT_FALSE(r);
}

TEST(protocol_bounds, layouts_from_the_network_are_bounded) {
  EXPECT_FALSE(layout_acceptable(4294967295, 1));                       // 1-byte pieces
  EXPECT_FALSE(layout_acceptable(std::int64_t{1} << 40, 4096));         // 2^28 pieces
  EXPECT_FALSE(layout_acceptable(1 << 20, std::uint64_t{1} << 30));     // 1 GiB pieces
  EXPECT_FALSE(layout_acceptable(-2, 1 << 20));
  EXPECT_TRUE(layout_acceptable(-1, 1 << 20));                          // length not known yet
  EXPECT_TRUE(layout_acceptable(std::int64_t{4} << 30, 40 << 10));      // 4 GiB in 40 KiB pieces: 104,858
  EXPECT_TRUE(layout_acceptable(0, 256 << 10));
}

}  // namespace
}  // namespace df::net::proto
