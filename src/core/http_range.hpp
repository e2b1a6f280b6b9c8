#pragma once
// HTTP byte ranges as the origin answers them (Content-Range), for resuming downloads.

#include <cstdint>
#include <string_view>

namespace df {

/// A satisfied byte range: first..last of a body of `total` bytes.
struct content_range {
  std::uint64_t first = 0, last = 0, total = 0;
};

/// Parses "bytes first-last/total"; malformed text, last < first, last >= total or an unknown
/// total ("*") give false.
bool parse_content_range(std::string_view text, content_range& out);

}  // namespace df
