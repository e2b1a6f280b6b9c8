#include "core/piece_layout.hpp"

#include <algorithm>

namespace df {

std::uint64_t choose_piece_size(std::uint64_t content_length) {
  std::uint64_t size = min_piece_size;
  while (size < max_piece_size && content_length > size * target_piece_count) size *= 2;
  return size;
}

bool layout_acceptable(std::int64_t content_length, std::uint64_t piece_size, std::uint32_t max_pieces) {
  if (piece_size < min_wire_piece_size || piece_size > max_wire_piece_size) return false;
  if (content_length < -1) return false;
  if (content_length == -1) return true;
  const auto length = static_cast<std::uint64_t>(content_length);
  return length / piece_size + (length % piece_size != 0) <= max_pieces;
}

std::uint64_t piece_layout::length(piece_index i) const {
  const std::uint64_t start = offset(i);
  if (start >= content_length) return 0;
  return std::min(piece_size, content_length - start);
}

}  // namespace df
