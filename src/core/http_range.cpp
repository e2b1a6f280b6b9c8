#include "core/http_range.hpp"

#include <charconv>

namespace df {
namespace {

// Reads a decimal number up to `stop`; advances `text` past it and the stop character.
bool take_number(std::string_view& text, char stop, std::uint64_t& out) {
  const auto end = stop ? text.find(stop) : text.size();
  if (end == std::string_view::npos || end == 0) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, out);
  if (ec != std::errc{} || ptr != text.data() + end) return false;
  text.remove_prefix(stop ? end + 1 : end);
  return true;
}

}  // namespace

bool parse_content_range(std::string_view text, content_range& out) {
  constexpr std::string_view unit = "bytes ";
  if (!text.starts_with(unit)) return false;
  text.remove_prefix(unit.size());
  content_range r;
  if (!take_number(text, '-', r.first) || !take_number(text, '/', r.last) || !take_number(text, 0, r.total))
    return false;
  if (r.last < r.first || r.last >= r.total) return false;
  out = r;
  return true;
}

}  // namespace df
