#pragma once
// How a task is cut into pieces: the piece size chosen from the content length, and each piece's range.

#include "core/strong_int.hpp"

#include <cstdint>

namespace df {

inline constexpr std::uint64_t min_piece_size = 256ull << 10;  // 256 KiB: the smallest automatic size
inline constexpr std::uint64_t max_piece_size = 64ull << 20;  // 64 MiB: the largest automatic size
inline constexpr std::uint64_t target_piece_count = 1024;     // automatic sizes aim at ≤ this many pieces
// Bounds on a layout announced over the network (a source's task_meta, the scheduler's
// task_info): anything outside them is hostile or broken and is rejected before memory is spent.
inline constexpr std::uint64_t min_wire_piece_size = 4ull << 10;    // 4 KiB
inline constexpr std::uint64_t max_wire_piece_size = 256ull << 20;  // 256 MiB (the largest configurable size)
inline constexpr std::uint32_t max_piece_count = 1u << 20;          // 1,048,576 pieces: 128 KiB of bitfield

/// The automatic piece size for a content length: 256 KiB, doubled until the task has ≤ 1024 pieces, ≤ 64 MiB.
std::uint64_t choose_piece_size(std::uint64_t content_length);

/// Whether a layout from the network is acceptable: piece size within the wire bounds, at most
/// `max_pieces` pieces (an unknown length, -1, is acceptable).
bool layout_acceptable(std::int64_t content_length, std::uint64_t piece_size,
                       std::uint32_t max_pieces = max_piece_count);

/// The pieces of one task: sizes and offsets. Value type, shared by seed, peers and scheduler.
struct piece_layout {
  std::uint64_t content_length = 0;
  std::uint64_t piece_size = min_piece_size;

  std::uint32_t piece_count() const {
    return static_cast<std::uint32_t>((content_length + piece_size - 1) / piece_size);
  }
  std::uint64_t offset(piece_index i) const { return std::uint64_t{i.value()} * piece_size; }
  /// Bytes in piece i: piece_size for all but the last piece, which holds the remainder.
  std::uint64_t length(piece_index i) const;
};

}  // namespace df
