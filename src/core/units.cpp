#include "core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

namespace df {
namespace {

// Splits "30MB" into 30 and "MB"; false when the number part is missing or malformed.
bool split_number(std::string_view text, double& number, std::string_view& unit) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::size_t n = 0;
  while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
  if (n == 0) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + n, number);
  if (ec != std::errc{} || ptr != text.data() + n || number < 0) return false;
  unit = text.substr(n);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

result<std::uint64_t> parse_size(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit)) return errc::invalid_argument;
  static constexpr std::array<std::pair<std::string_view, double>, 11> units{{
      {"", 1.0}, {"B", 1.0}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}, {"K", 1024.0},
  }};
  for (const auto& [name, factor] : units) {
    if (unit != name) continue;
    const double bytes = number * factor;
    // 2^64 is exactly representable; anything at or past it (or NaN) has no uint64 value.
    if (!(bytes < 18446744073709551616.0)) return errc::invalid_argument;
    return static_cast<std::uint64_t>(bytes);
  }
  return errc::invalid_argument;
}

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double number = 0;
  std::string_view unit;
  if (!split_number(text, number, unit)) return errc::invalid_argument;
  double ms = 0;
  if (unit == "ms") ms = number;
  else if (unit.empty() || unit == "s") ms = number * 1e3;
  else if (unit == "m") ms = number * 60e3;
  else if (unit == "h") ms = number * 3600e3;
  else return errc::invalid_argument;
  if (!(ms < 9223372036854775808.0)) return errc::invalid_argument;  // 2^63: past int64 (or NaN)
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::string format_size(double bytes) {
  static constexpr std::array<const char*, 5> names{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t i = 0;
  while (bytes >= 1024.0 && i + 1 < names.size()) {
    bytes /= 1024.0;
    ++i;
  }
  return i == 0 ? fmt::format("{:.0f} {}", bytes, names[i]) : fmt::format("{:.1f} {}", bytes, names[i]);
}

}  // namespace df
