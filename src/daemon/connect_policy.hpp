#pragma once
// What the proxy port does with a CONNECT, and whether a request may use the proxy at all (basic
// auth). Pure logic (no I/O), so every rule is unit-tested; connect_handler does the I/O.

#include "core/error.hpp"
#include "daemon/config.hpp"

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace df::daemon {

/// The longest CONNECT target accepted: a 253-character name in brackets, ':' and a port.
inline constexpr std::size_t max_connect_target = 262;

/// A CONNECT request's authority-form target.
struct connect_target {
  std::string host;  // lower-cased; an IPv6 literal without brackets
  std::uint16_t port = 0;

  /// "host:port" as the hijack patterns see it ("[v6]:port" for IPv6).
  std::string authority() const;
  /// The authority for an https URL: the port left out when it is 443.
  std::string url_authority() const;
};

/// Parses "host:port" (or "[v6]:port"): errc::out_of_bounds when longer than max_connect_target,
/// errc::invalid_argument when the host is not a DNS name or IP literal or the port not 1–65535.
result<connect_target> parse_connect_target(std::string_view text);

/// What to do with a CONNECT.
enum class connect_action {
  hijack,  // terminate TLS here and serve the requests inside (proxy.hijack_https.hosts matched)
  tunnel,  // relay bytes to the target unread (proxy.connect_tunnel)
  refuse,  // answer 403
};

/// The proxy section's CONNECT and auth rules, compiled once. Owned by the proxy server.
class connect_policy {
 public:
  explicit connect_policy(const config::proxy_section& cfg);

  connect_action decide(const connect_target& target) const;
  /// True when basic auth is configured (every request must then carry it).
  bool auth_required() const { return !expected_digest_.empty(); }
  /// True when no auth is configured, or `proxy_authorization` (the header's value) is Basic with
  /// the configured user and password. Compared in constant time; the value is never kept.
  bool authorized(std::string_view proxy_authorization) const;

 private:
  std::vector<std::regex> hijack_;
  bool hijack_enabled_ = false;
  bool tunnel_ = true;
  std::string expected_digest_;  // sha256 of "user:password"; empty = no auth
};

}  // namespace df::daemon
