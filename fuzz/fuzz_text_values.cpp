// Small text values from users, config files and origins: sizes, durations, digests,
// Content-Range and bitfields. Parsing never crashes and what parses is in range.
#include "core/bitfield.hpp"
#include "core/digest.hpp"
#include "core/http_range.hpp"
#include "core/units.hpp"
#include "fuzz_check.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)df::parse_size(text);
  (void)df::parse_duration(text);
  if (const auto d = df::parse_digest(text)) DF_FUZZ_CHECK(d->hex.size() == 64);
  df::content_range r;
  if (df::parse_content_range(text, r)) DF_FUZZ_CHECK(r.first <= r.last && r.last < r.total);
  df::bitfield b;
  const auto bits = static_cast<std::uint32_t>(size * 4);
  if (df::bitfield::from_hex(text, bits, b)) DF_FUZZ_CHECK(b.size() == bits && b.to_hex().size() == size);
  return 0;
}
