#pragma once
// HTTP byte ranges: the origin's Content-Range (resuming downloads) and a client's Range header
// (serving part of a blob).

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

/// How a Range request header applies to a body of known length.
enum class range_request { whole, partial, unsatisfiable, ignored };

/// Interprets a Range header ("bytes=a-b", "bytes=a-", "bytes=-n") against a body of `total`
/// bytes. An absent header → whole; a single satisfiable range → partial with `out` set; a
/// well-formed range past the end → unsatisfiable (416); anything else, including several
/// ranges, → ignored (RFC 9110 lets a server send the whole body instead).
range_request parse_range_header(std::string_view header, std::uint64_t total, content_range& out);

}  // namespace df
