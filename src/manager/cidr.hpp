#pragma once
// IPv4 and IPv6 networks in CIDR notation ("10.0.0.0/8", "fd00::/8"), without any I/O library.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace df::manager {

/// An IP address as 16 bytes (IPv4 mapped into ::ffff:0:0/96, so v4 and v6 compare alike).
struct ip_address {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;
};

/// Parses a dotted IPv4 or an IPv6 address; nullopt when it is neither.
std::optional<ip_address> parse_ip(std::string_view text);

/// A network: an address and how many leading bits of it count.
struct cidr {
  ip_address base;
  unsigned prefix = 0;  // bits of `base` that must match, counted in the 128-bit (mapped) form

  /// Whether `address` is inside this network.
  bool contains(const ip_address& address) const;
  /// The prefix length as written ("/8" → 8, also for IPv4).
  unsigned written_prefix() const { return base.v4 ? prefix - 96 : prefix; }
};

/// Parses "address/prefix"; a bare address is a single-host network. nullopt when malformed
/// (bad address, prefix past 32 / 128, anything trailing).
std::optional<cidr> parse_cidr(std::string_view text);

}  // namespace df::manager
