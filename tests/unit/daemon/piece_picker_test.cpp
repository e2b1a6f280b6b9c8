#include "daemon/piece_picker.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace df::daemon {
namespace {

// A peer's view of its swarm, built from strings with one character per piece (as libtorrent's
// setup_picker does):
//   availability  how many non-seed parents hold the piece, '0'-'9': parent "p<k>" holds piece i
//                 when k < availability[i];
//   have          '*' verified here, ' ' missing, '?' missing and its digest not known yet;
//   asked         ' ' not in flight, '0'-'9' asked of parent "p<k>", 's' asked of the seed.
// The seed is "Seed", which sorts before "p0": a tie between it and a peer is decided by the
// picker, not by the order of the parents.
struct swarm {
  std::uint32_t count = 0;
  bool layout_known = true;
  bitfield verified;
  std::vector<std::string> digests;
  parent_map parents;
  in_flight_map in_flight;
  std::uint32_t per_parent = 2;
  std::uint64_t generation = 0;

  pick_input input() const {
    return {layout_known ? std::optional(count) : std::nullopt, verified, digests, in_flight, parents, per_parent,
            generation};
  }
  parent_state& parent(const std::string& id, bool seed = false) {
    auto& p = parents[id];
    p.info.peer_id = id;
    p.info.seed = seed;
    if (p.pieces.size() < count) p.pieces.resize(count);
    return p;
  }
  // A seed parent holding every piece.
  void add_seed() {
    auto& s = parent("Seed", true);
    for (std::uint32_t i = 0; i < count; ++i) s.pieces.set(piece_index(i));
  }
  // Books a request as peer_task does before it starts the fetch.
  void ask(std::uint32_t piece, const std::string& parent_id) {
    in_flight[piece].insert(parent_id);
    ++parents.at(parent_id).in_flight;
  }
};

swarm swarm_from(std::string_view availability, std::string_view have, std::string_view asked = "") {
  swarm s;
  s.count = static_cast<std::uint32_t>(availability.size());
  s.verified = bitfield(s.count);
  for (std::uint32_t i = 0; i < s.count; ++i) {
    const char h = i < have.size() ? have[i] : ' ';
    s.digests.push_back(h == '?' ? "" : "d" + std::to_string(i));
    if (h == '*') s.verified.set(piece_index(i));
    for (int k = 0; k < availability[i] - '0'; ++k)
      s.parent("p" + std::to_string(k)).pieces.set(piece_index(i));
  }
  for (std::uint32_t i = 0; i < asked.size(); ++i) {
    if (asked[i] == 's') s.ask(i, "Seed");
    else if (asked[i] != ' ') s.ask(i, "p" + std::string(1, asked[i]));
  }
  return s;
}

std::optional<piece_request> pick(const swarm& s, std::uint32_t start = 0, std::uint32_t seed = 1) {
  return piece_picker(start, seed).pick(s.input());
}

piece_request req(std::uint32_t piece, std::string parent) { return {piece, std::move(parent)}; }

}  // namespace

// Failures name the piece and the parent.
void PrintTo(const piece_request& r, std::ostream* os) { *os << "piece " << r.piece << " from " << r.parent_id; }

namespace {

TEST(piece_picker, rarest_piece_first) {
  EXPECT_EQ(pick(swarm_from("2223133", "       ")), req(4, "p0"));
  EXPECT_EQ(pick(swarm_from("3331222", "       ")), req(3, "p0"));
  // From any starting point.
  for (std::uint32_t start = 0; start < 7; ++start) EXPECT_EQ(pick(swarm_from("3331222", ""), start)->piece, 3u);
}

TEST(piece_picker, verified_and_requested_pieces_are_not_picked_again) {
  EXPECT_EQ(pick(swarm_from("2213", "  * ")), req(0, "p0"));
  EXPECT_EQ(pick(swarm_from("2213", "  * ", "0   ")), req(1, "p1"));  // p1 is idle, p0 is not
  EXPECT_EQ(pick(swarm_from("2213", "  * ", "01  ")), req(3, "p2"));
}

TEST(piece_picker, equally_rare_pieces_are_taken_from_the_peers_starting_point) {
  const auto s = swarm_from("22222", "");
  EXPECT_EQ(pick(s, 0)->piece, 0u);
  EXPECT_EQ(pick(s, 3)->piece, 3u);
  EXPECT_EQ(pick(s, 8)->piece, 3u);  // wraps around the piece count
  // After the starting point, the next one along (wrapping), skipping what it has.
  EXPECT_EQ(pick(swarm_from("22222", "   **"), 3)->piece, 0u);
}

TEST(piece_picker, every_piece_is_reachable_from_any_starting_point) {
  // A starting point near the top of the integer range must not skip the last pieces.
  EXPECT_EQ(pick(swarm_from("111", "** "), 0xffffffffu), req(2, "p0"));
  EXPECT_EQ(pick(swarm_from("1111111", "****** "), 0xfffffffeu), req(6, "p0"));
}

TEST(piece_picker, a_piece_only_the_seed_holds_is_taken_from_the_seed) {
  auto s = swarm_from("1101", "");
  s.add_seed();
  EXPECT_EQ(pick(s), req(2, "Seed"));
}

TEST(piece_picker, among_seed_only_pieces_a_random_one) {
  auto s = swarm_from("0000000000", "");
  s.add_seed();
  std::set<std::uint32_t> chosen;
  for (std::uint32_t seed = 0; seed < 50; ++seed) {
    const auto r = pick(s, 0, seed);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->parent_id, "Seed");
    chosen.insert(r->piece);
  }
  EXPECT_GT(chosen.size(), 3u);  // not the same piece for every peer
}

TEST(piece_picker, a_piece_peers_hold_is_taken_from_a_peer_not_the_seed) {
  auto s = swarm_from("1", "");
  s.add_seed();
  EXPECT_EQ(pick(s), req(0, "p0"));
  // ... unless every peer holding it is at its request limit.
  s.parents.at("p0").in_flight = 2;
  EXPECT_EQ(pick(s), req(0, "Seed"));
}

TEST(piece_picker, the_seed_serves_few_requests_when_peers_are_parents_too) {
  auto s = swarm_from("1000", "");
  s.per_parent = 4;
  s.add_seed();
  s.ask(1, "Seed");
  s.ask(2, "Seed");
  EXPECT_EQ(pick(s), req(0, "p0"));  // the seed is at its 2 requests
  // A seed that is the only parent takes the configured number.
  auto alone = swarm_from("0000", "");
  alone.per_parent = 4;
  alone.add_seed();
  alone.ask(1, "Seed");
  alone.ask(2, "Seed");
  EXPECT_EQ(pick(alone, 0, 1)->parent_id, "Seed");
}

TEST(piece_picker, the_parent_expected_to_deliver_soonest_is_asked) {
  auto s = swarm_from("22", "");
  s.parents.at("p0").throughput = 1000;
  s.parents.at("p1").throughput = 3000;
  EXPECT_EQ(pick(s), req(0, "p1"));
  s.parents.at("p1").in_flight = 1;  // it shares itself between two requests: 2/3000 s < 1/1000 s
  EXPECT_EQ(pick(s), req(0, "p1"));
  s.parents.at("p1").throughput = 1500;  // 2/1500 s > 1/1000 s
  EXPECT_EQ(pick(s), req(0, "p0"));
  // A parent not tried yet counts as fast as the fastest known one (not as 1 byte/s).
  s.parents.at("p0").throughput = 0;
  EXPECT_EQ(pick(s), req(0, "p0"));  // 1/1500 s < 2/1500 s
}

TEST(piece_picker, a_parent_at_its_request_limit_is_not_asked) {
  EXPECT_EQ(pick(swarm_from("111", "", "00 ")), std::nullopt);
  EXPECT_EQ(pick(swarm_from("112", "", "00 ")), req(2, "p1"));
}

TEST(piece_picker, pieces_without_a_known_digest_are_never_picked) {
  EXPECT_EQ(pick(swarm_from("1222", "?   ")), req(1, "p0"));
  EXPECT_EQ(pick(swarm_from("1222", "????")), std::nullopt);
  auto s = swarm_from("0", "?");
  s.add_seed();
  EXPECT_EQ(pick(s), std::nullopt);
}

TEST(piece_picker, before_the_endgame_a_requested_piece_is_not_asked_twice) {
  EXPECT_EQ(pick(swarm_from("33", "", "0 ")), req(1, "p1"));
}

TEST(piece_picker, endgame_asks_a_second_parent_and_never_a_third) {
  auto s = swarm_from("333", "*", " 01");  // everything left is in flight
  const auto second = pick(s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->piece, 1u);
  EXPECT_NE(second->parent_id, "p0");  // not the parent already asked
  s.ask(second->piece, second->parent_id);
  const auto other = pick(s);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->piece, 2u);
  EXPECT_NE(other->parent_id, "p1");
  s.ask(other->piece, other->parent_id);
  EXPECT_EQ(pick(s), std::nullopt);  // each piece asked of two parents: no third
}

TEST(piece_picker, endgame_never_asks_the_same_parent_twice) {
  auto s = swarm_from("22", "*", " 0");
  s.parents.at("p0").throughput = 10000;  // by far the fastest, but already sending piece 1
  s.parents.at("p1").throughput = 1000;
  EXPECT_EQ(pick(s), req(1, "p1"));
}

TEST(piece_picker, nothing_is_picked_before_the_layout_is_known) {
  auto s = swarm_from("1111", "");
  s.add_seed();
  s.layout_known = false;
  EXPECT_EQ(pick(s), std::nullopt);
}

TEST(piece_picker, nothing_is_picked_when_everything_is_verified) {
  auto s = swarm_from("11", "**");
  s.add_seed();
  EXPECT_EQ(pick(s), std::nullopt);
}

TEST(note_held, piece_numbers_are_bounded_by_the_layout) {
  bitfield b;
  note_held(b, 3, 4);
  EXPECT_EQ(b.size(), 4u);  // sized to the layout at once
  EXPECT_TRUE(b.has(piece_index(3)));
  note_held(b, 4, 4);
  EXPECT_EQ(b.size(), 4u);
  note_held(b, 0xffffffffu, 4);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.count(), 1u);
}

TEST(note_held, before_the_layout_the_set_grows_up_to_a_bound) {
  bitfield b;
  note_held(b, 10, std::nullopt);
  EXPECT_EQ(b.size(), 11u);
  EXPECT_TRUE(b.has(piece_index(10)));
  note_held(b, 1u << 20, std::nullopt);  // bogus: would cost memory
  note_held(b, 0xffffffffu, std::nullopt);
  EXPECT_EQ(b.size(), 11u);
  EXPECT_EQ(b.count(), 1u);
  note_held(b, (1u << 20) - 1, std::nullopt);
  EXPECT_EQ(b.size(), 1u << 20);
}

TEST(progress_beside_parents, counts_non_seed_parents_only) {
  auto s = swarm_from("2100", "*** ");
  s.add_seed();
  const auto p = progress_beside_parents(s.input());
  EXPECT_EQ(p.mine, 3u);
  EXPECT_EQ(p.piece_count, 4u);
  EXPECT_EQ(p.parents, 2u);
  EXPECT_DOUBLE_EQ(p.parents_mean, 1.5);  // p0 holds 2, p1 holds 1; the seed's 4 do not count
  s.layout_known = false;
  EXPECT_EQ(progress_beside_parents(s.input()).piece_count, 0u);
}

}  // namespace
TEST(piece_picker, a_verified_piece_that_is_dropped_again_is_picked_again) {
  // The picker skips the verified pieces at the start of its scan for good, until the input's
  // generation says a verified piece was dropped (content changed at the source).
  auto s = swarm_from("1111", "*** ");
  piece_picker picker(0, 1);
  EXPECT_EQ(picker.pick(s.input()), req(3, "p0"));
  s.verified.set(piece_index(3));
  EXPECT_EQ(picker.pick(s.input()), std::nullopt);
  s.verified.reset(piece_index(1));
  ++s.generation;
  EXPECT_EQ(picker.pick(s.input()), req(1, "p0"));
}

TEST(piece_picker, a_very_big_task_is_picked_from_a_window_of_candidates) {
  // 100,000 pieces, the first half verified: the pick skips the verified half and takes one of
  // the rarest pieces of the window it looks at.
  swarm s;
  s.count = 100000;
  s.verified = bitfield(s.count);
  for (std::uint32_t i = 0; i < s.count; ++i) {
    s.digests.push_back("d");
    s.parent("p0").pieces.set(piece_index(i));
    if (i < s.count / 2) s.verified.set(piece_index(i));
  }
  for (std::uint32_t i = 60000; i < s.count; ++i) s.parent("p1").pieces.set(piece_index(i));
  piece_picker picker(0, 1);
  // Pieces 50,000-59,999 have one holder, the rest two: the pick is one of the rarest.
  const auto first = picker.pick(s.input());
  ASSERT_TRUE(first);
  EXPECT_GE(first->piece, 50000u);
  EXPECT_LT(first->piece, 60000u);
}

}  // namespace df::daemon
