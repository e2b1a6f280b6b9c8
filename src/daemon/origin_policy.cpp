#include "daemon/origin_policy.hpp"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace df::daemon {

namespace ip = boost::asio::ip;

namespace {

// The address as 16 bytes (IPv4 as v4-mapped), so v4 and v6 rules compare alike.
std::array<unsigned char, 16> bytes16(const ip::address& a) {
  if (a.is_v6()) return a.to_v6().to_bytes();
  return ip::make_address_v6(ip::v4_mapped, a.to_v4()).to_bytes();
}

bool in_network(const ip::address& a, const ip::address& network, unsigned prefix) {
  const auto x = bytes16(a), n = bytes16(network);
  for (unsigned bit = 0; bit < prefix; ++bit) {
    const unsigned mask = 0x80u >> (bit % 8);
    if ((x[bit / 8] & mask) != (n[bit / 8] & mask)) return false;
  }
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// What the defaults deny, and why (for the message).
const char* default_refusal(const ip::address& a) {
  ip::address x = a;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) x = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  if (x.is_loopback()) return "a loopback address";
  if (x.is_unspecified()) return "an unspecified address";
  if (x.is_v4() && in_network(x, ip::make_address("169.254.0.0"), 96 + 16)) return "a link-local address";
  if (x.is_v6() && x.to_v6().is_link_local()) return "a link-local address";
  return nullptr;
}

}  // namespace

bool origin_policy::rule::matches(const std::string& h, const ip::address& a) const {
  if (!host.empty()) return host == lower(h);
  return in_network(a, network, prefix);
}

result<origin_policy::rule> origin_policy::parse_rule(const std::string& text) {
  rule r;
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = ip::make_address(text.substr(0, slash), ec);
  if (ec) {
    if (slash != std::string::npos || text.empty()) return errc::invalid_argument;
    r.host = lower(text);
    return r;
  }
  r.network = address;
  const unsigned offset = address.is_v4() ? 96 : 0;  // v4 rules apply to v4-mapped bytes
  unsigned bits = address.is_v4() ? 32 : 128;
  if (slash != std::string::npos) {
    const std::string digits = text.substr(slash + 1);
    unsigned given = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), given);
    if (err != std::errc() || end != digits.data() + digits.size() || given > bits) return errc::invalid_argument;
    bits = given;
  }
  r.prefix = offset + bits;
  return r;
}

result<origin_policy> origin_policy::make(const std::vector<std::string>& allow, const std::vector<std::string>& deny,
                                          const std::vector<ip::address>& own_addresses, bool restrict_defaults) {
  origin_policy p;
  p.restricted_ = restrict_defaults;
  p.own_ = own_addresses;
  for (const auto& [list, into] : {std::pair{&allow, &p.allow_}, std::pair{&deny, &p.deny_}})
    for (const auto& text : *list) {
      auto r = parse_rule(text);
      if (!r) return r.error();
      into->push_back(*r);
    }
  return p;
}

std::string origin_policy::refusal(const std::string& host, const ip::address& address) const {
  const auto matches = [&](const rule& r) { return r.matches(host, address); };
  if (std::any_of(allow_.begin(), allow_.end(), matches)) return {};
  const std::string what = host + " (" + address.to_string() + ")";
  if (std::any_of(deny_.begin(), deny_.end(), matches)) return what + " is denied by origin_policy.deny";
  if (!restricted_) return {};
  if (const char* why = default_refusal(address))
    return what + " is " + why + "; a seed peer fetches it only when origin_policy.allow lists it";
  for (const auto& own : own_)
    if (bytes16(own) == bytes16(address))
      return what + " is this seed's own address; a seed peer fetches it only when origin_policy.allow lists it";
  return {};
}

std::vector<ip::address> origin_policy::local_addresses() {
  std::vector<ip::address> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      out.push_back(ip::address_v4(ntohl(in->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      ip::address_v6::bytes_type b;
      std::copy_n(in6->sin6_addr.s6_addr, 16, b.begin());
      out.push_back(ip::address_v6(b));
    }
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace df::daemon
