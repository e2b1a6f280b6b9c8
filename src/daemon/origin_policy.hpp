#pragma once
// Which origins a seed peer may fetch: the guard against a request that makes the seed read its
// own loopback, a link-local metadata service or itself (server-side request forgery).

#include "core/error.hpp"
#include "net/asio.hpp"

#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

namespace df::daemon {

/// Allowed and denied origins, built once from config (origin_policy) and the host's own
/// addresses; immutable afterwards, so any thread may ask it.
class origin_policy {
 public:
  /// An unrestricted policy (plain daemons fetching for their own dfget).
  origin_policy() = default;
  /// Parses the entries (IPs, CIDRs, host names); an invalid CIDR is an error naming it. With
  /// `restrict_defaults`, loopback, link-local, unspecified and `own_addresses` are denied
  /// unless allowed.
  static result<origin_policy> make(const std::vector<std::string>& allow, const std::vector<std::string>& deny,
                                    const std::vector<boost::asio::ip::address>& own_addresses,
                                    bool restrict_defaults);

  /// Empty when `host` (as written in the URL) resolving to `address` may be fetched; otherwise
  /// why not, for the error message.
  std::string refusal(const std::string& host, const boost::asio::ip::address& address) const;

  /// Every address of this machine's interfaces (for `own_addresses`).
  static std::vector<boost::asio::ip::address> local_addresses();

 private:
  /// One entry of a list: a host name, or a network (an address is a /32 or /128).
  struct rule {
    std::string host;
    boost::asio::ip::address network;
    unsigned prefix = 0;
    bool matches(const std::string& h, const boost::asio::ip::address& a) const;
  };
  static result<rule> parse_rule(const std::string& text);

  bool restricted_ = false;
  std::vector<rule> allow_, deny_;
  std::vector<boost::asio::ip::address> own_;
};

}  // namespace df::daemon
