// The scheduler protocol's field bounds: whatever a hostile host sends is bounded before use.
#include "core/piece_layout.hpp"
#include "net/scheduler_protocol.hpp"

#include <gtest/gtest.h>

namespace df::net::proto {
namespace {

const std::string bounds_tid(64, 'a');

errc decode_error(const message& m) {
  auto r = decode(encode(m));
  return r ? errc::ok : static_cast<errc>(r.error().value());
}

TEST(protocol_bounds, strings_over_their_limit_are_refused) {
  const std::string long_id(field_limits::id + 1, 'x');
  EXPECT_EQ(decode_error(register_peer{bounds_tid, long_id, "http://o/f", {}, "", "", {}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{bounds_tid, "p", "http://o/" + std::string(field_limits::url, 'u'), {}, "", "", {}}),
            errc::out_of_bounds);
  EXPECT_EQ(decode_error(peer_failed{bounds_tid, "p", std::string(field_limits::text + 1, 'm'), 0, ""}),
            errc::out_of_bounds);
  EXPECT_EQ(decode_error(peer_done{tid, "p", field_limits::task_bytes + 1, 0}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(peer_failed{tid, "p", "m", 0, "", 0, field_limits::task_bytes + 1}), errc::out_of_bounds);
  hello h;
  h.host.host_id = long_id;
  EXPECT_EQ(decode_error(h), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{bounds_tid, std::string(field_limits::id, 'x'), "http://o/f", {}, "", "", {}}),
            errc::ok);
}

TEST(protocol_bounds, job_messages_are_bounded) {
  job_request ok{1, "preheat", {"http://o/f"}, "", {}, "", "", {}, "all_peers", 4, 1000, "t"};
  EXPECT_EQ(decode_error(ok), errc::ok);  // no task ID: it comes from the URL
  auto many_urls = ok;
  many_urls.urls.assign(field_limits::job_urls + 1, "http://o/f");
  EXPECT_EQ(decode_error(many_urls), errc::out_of_bounds);
  auto long_url = ok;
  long_url.urls = {"http://o/" + std::string(field_limits::url, 'u')};
  EXPECT_EQ(decode_error(long_url), errc::out_of_bounds);
  auto long_token = ok;
  long_token.token.assign(field_limits::id + 1, 't');
  EXPECT_EQ(decode_error(long_token), errc::out_of_bounds);
  auto bad_task = ok;
  bad_task.task_id = "../etc";
  EXPECT_EQ(decode_error(bad_task), errc::malformed_message);
  job_result many_hosts{1, std::vector<job_host>(field_limits::job_hosts + 1), ""};
  EXPECT_EQ(decode_error(many_hosts), errc::out_of_bounds);
  EXPECT_EQ(decode_error(preheat_done{bounds_tid, 1, 1, "peers", std::string(field_limits::text + 1, 'e')}),
            errc::out_of_bounds);
  EXPECT_EQ(decode_error(preheat{"not-a-task", "http://o/f", {}, "", "", {}}), errc::malformed_message);
}

TEST(protocol_bounds, header_count_and_size_are_bounded) {
  std::map<std::string, std::string> many;
  for (std::size_t i = 0; i <= field_limits::headers; ++i) many["h" + std::to_string(i)] = "v";
  EXPECT_EQ(decode_error(register_peer{bounds_tid, "p", "http://o/f", many, "", "", {}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(register_peer{bounds_tid, "p", "http://o/f", {{"Cookie", std::string(field_limits::header_bytes, 'c')}},
                                       "", "", {}}),
            errc::out_of_bounds);
}

TEST(protocol_bounds, piece_numbers_past_the_largest_task_are_refused) {
  EXPECT_EQ(decode_error(piece_done{bounds_tid, "p", 4294967295u, ""}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(piece_done{bounds_tid, "p", max_piece_count, ""}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(piece_done{bounds_tid, "p", max_piece_count - 1, ""}), errc::ok);
  EXPECT_EQ(decode_error(have{bounds_tid, "p", "q", {piece_entry{max_piece_count, "d"}}}), errc::out_of_bounds);
  parents ps{bounds_tid, "p", {parent_info{"q", "h", "1.2.3.4", 1, false, {1, max_piece_count}}}, {}};
  EXPECT_EQ(decode_error(ps), errc::out_of_bounds);
}

TEST(protocol_bounds, reverify_piece_lists_are_bounded) {
  std::vector<std::uint32_t> many(field_limits::reverify_pieces + 1, 1);
  EXPECT_EQ(decode_error(reverify{bounds_tid, "p", many}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(reverified{bounds_tid, "p", {}, many}), errc::out_of_bounds);
  many.pop_back();
  EXPECT_EQ(decode_error(reverify{bounds_tid, "p", many}), errc::ok);
  EXPECT_EQ(decode_error(reverify{bounds_tid, "p", {max_piece_count}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(reverified{bounds_tid, "p", {max_piece_count}, {}}), errc::out_of_bounds);
  EXPECT_EQ(decode_error(reverified{bounds_tid, "p", std::vector<std::uint32_t>(max_wire_entries + 1, 2), {}}),
            errc::out_of_bounds);
  EXPECT_EQ(decode_error(parent_failed{bounds_tid, "p", "q", "r", std::vector<std::uint32_t>(field_limits::reported_pieces + 1)}),
            errc::out_of_bounds);
  hello h;
  h.host.host_id = "h";
  h.host.features = std::vector<std::string>(field_limits::features + 1, "f");
  EXPECT_EQ(decode_error(h), errc::out_of_bounds);
}

TEST(protocol_bounds, a_negative_piece_number_does_not_wrap_into_range) {
  // JSON numbers are not checked for sign by the library: -1 must not become piece 4294967295
  // and pass, nor a small number.
  const auto r = decode(R"({"type":"piece_done","task_id":")" + bounds_tid + R"(","peer_id":"p","piece":-1,"digest":""})");
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

namespace df::net::proto {
namespace {

TEST(protocol_split, a_parents_message_with_many_digests_becomes_digest_chunks_then_the_parents) {
  parents big{bounds_tid, "p", {parent_info{"q", "h", "1.2.3.4", 1, false, {}, "ff"}}, {}};
  // Signed digests, as long as they get: 64 hex, a dot, a 72-byte signature in hex.
  for (std::uint32_t i = 0; i < 100000; ++i)
    big.digests.push_back(std::string(64, 'a' + i % 6) + "." + std::string(144, '0' + i % 10));
  const auto parts = split_for_wire(big);
  ASSERT_EQ(parts.size(), 14u);  // ceil(100000 / 8192) digest chunks, then the parents
  std::vector<std::string> rejoined;
  for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
    const auto& d = std::get<digests>(parts[k]);
    EXPECT_EQ(d.first, rejoined.size());
    rejoined.insert(rejoined.end(), d.digests.begin(), d.digests.end());
  }
  EXPECT_EQ(rejoined, big.digests);
  const auto& p = std::get<parents>(parts.back());
  EXPECT_TRUE(p.digests.empty());
  EXPECT_EQ(p.parents.size(), 1u);
  for (const auto& part : parts) {  // each fits a frame and decodes
    const auto text = encode(part);
    EXPECT_LE(text.size(), 4u << 20);
    EXPECT_TRUE(decode(text));
  }
}

TEST(protocol_split, a_have_with_many_pieces_is_split_and_small_messages_pass_unchanged) {
  have big{bounds_tid, "p", "q", {}};
  for (std::uint32_t i = 0; i < 40000; ++i) big.pieces.push_back(piece_entry{i, std::string(64, 'd') + "." + std::string(144, 'e')});
  const auto parts = split_for_wire(big);
  ASSERT_EQ(parts.size(), 5u);  // ceil(40000 / 8192)
  std::uint32_t next = 0;
  for (const auto& part : parts) {
    EXPECT_LE(encode(part).size(), 4u << 20);  // each fits a frame
    for (const auto& e : std::get<have>(part).pieces) EXPECT_EQ(e.piece, next++);
  }
  EXPECT_EQ(next, 40000u);
  EXPECT_EQ(split_for_wire(keepalive{}).size(), 1u);
  EXPECT_EQ(split_for_wire(parents{bounds_tid, "p", {}, {"d"}}).size(), 1u);
}

}  // namespace
}  // namespace df::net::proto
