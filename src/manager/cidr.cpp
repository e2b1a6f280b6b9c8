#include "manager/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace df::manager {

std::optional<ip_address> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  ip_address a;
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v4.s_addr);
    for (int i = 0; i < 4; ++i) a.bytes[12 + i] = p[i];
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    for (int i = 0; i < 16; ++i) a.bytes[i] = v6.s6_addr[i];
    return a;
  }
  return std::nullopt;
}

bool cidr::contains(const ip_address& address) const {
  if (address.v4 != base.v4) return false;
  unsigned left = prefix;
  for (std::size_t i = 0; i < 16 && left > 0; ++i) {
    const unsigned bits = left >= 8 ? 8 : left;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
    left -= bits;
  }
  return true;
}

std::optional<cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  const unsigned max = address->v4 ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || prefix > max) return std::nullopt;
  }
  return cidr{*address, address->v4 ? prefix + 96 : prefix};
}

}  // namespace df::manager
