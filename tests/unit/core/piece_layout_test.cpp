#include "core/piece_layout.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

constexpr std::uint64_t P = min_piece_size;

TEST(piece_layout, sizes_around_one_piece) {
  struct row {
    std::uint64_t length;
    std::uint32_t pieces;
    std::uint64_t last;
  };
  for (const row r : {row{0, 0, 0}, row{1, 1, 1}, row{P - 1, 1, P - 1}, row{P, 1, P}, row{P + 1, 2, 1}}) {
    const piece_layout l{r.length, choose_piece_size(r.length)};
    EXPECT_EQ(l.piece_size, P) << r.length;
    EXPECT_EQ(l.piece_count(), r.pieces) << r.length;
    if (r.pieces) {
      EXPECT_EQ(l.length(piece_index(r.pieces - 1)), r.last) << r.length;
    }
    EXPECT_EQ(l.length(piece_index(r.pieces)), 0u) << r.length;
  }
}

TEST(piece_layout, offsets_cover_the_file_exactly) {
  const piece_layout l{10 * P + 123, P};
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < l.piece_count(); ++i) {
    EXPECT_EQ(l.offset(piece_index(i)), total);
    total += l.length(piece_index(i));
  }
  EXPECT_EQ(total, l.content_length);
}

TEST(piece_layout, multi_gib_sizes_grow_but_stay_bounded) {
  const std::uint64_t gib = 1ull << 30;
  EXPECT_EQ(choose_piece_size(64ull << 20), 256ull << 10);  // 256 pieces of 256 KiB
  EXPECT_EQ(choose_piece_size(512ull << 20), 512ull << 10);  // 1024 pieces of 512 KiB
  EXPECT_EQ(choose_piece_size(gib), 1ull << 20);       // 1024 pieces of 1 MiB
  EXPECT_EQ(choose_piece_size(4 * gib), 4ull << 20);   // 1024 pieces of 4 MiB
  EXPECT_EQ(choose_piece_size(5 * gib), 8ull << 20);
  EXPECT_EQ(choose_piece_size(64 * gib), 64ull << 20);
  EXPECT_EQ(choose_piece_size(1024 * gib), max_piece_size);
  const piece_layout l{5 * gib + 7, choose_piece_size(5 * gib + 7)};
  EXPECT_LE(l.piece_count(), target_piece_count);
  EXPECT_EQ(l.length(piece_index(l.piece_count() - 1)), 7u);
  EXPECT_EQ(l.offset(piece_index(l.piece_count() - 1)), 5 * gib);  // no 32-bit overflow
}

}  // namespace
}  // namespace df
