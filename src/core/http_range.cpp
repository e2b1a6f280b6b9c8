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

range_request parse_range_header(std::string_view header, std::uint64_t total, content_range& out) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) return range_request::whole;
  constexpr std::string_view unit = "bytes=";
  if (!header.starts_with(unit) || header.find(',') != std::string_view::npos) return range_request::ignored;
  header.remove_prefix(unit.size());
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return range_request::ignored;
  std::string_view first_text = header.substr(0, dash), last_text = header.substr(dash + 1);
  std::uint64_t first = 0, last = 0;
  if (first_text.empty()) {  // suffix: the last n bytes
    if (!take_number(last_text, 0, last)) return range_request::ignored;
    if (last == 0 || total == 0) return range_request::unsatisfiable;
    out = {total - std::min(last, total), total - 1, total};
    return range_request::partial;
  }
  if (!take_number(first_text, 0, first)) return range_request::ignored;
  if (last_text.empty()) last = total ? total - 1 : 0;
  else if (!take_number(last_text, 0, last) || last < first) return range_request::ignored;
  if (first >= total) return range_request::unsatisfiable;
  out = {first, std::min(last, total - 1), total};
  return range_request::partial;
}

}  // namespace df
