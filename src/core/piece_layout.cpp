#include "core/piece_layout.hpp"

#include <algorithm>

namespace df {

std::uint64_t choose_piece_size(std::uint64_t content_length) {
  std::uint64_t size = min_piece_size;
  while (size < max_piece_size && content_length > size * target_piece_count) size *= 2;
  return size;
}

std::uint64_t piece_layout::length(piece_index i) const {
  const std::uint64_t start = offset(i);
  if (start >= content_length) return 0;
  return std::min(piece_size, content_length - start);
}

}  // namespace df
