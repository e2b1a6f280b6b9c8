#pragma once
// The proxy's memory of "this credential may read this URL": positive answers of the origin,
// kept for a short TTL and bounded in number. Pure (no I/O, time passed in), so it is unit-tested.

#include "net/http_types.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace df::daemon {

/// The credential headers a requester's right to read is checked with (and the only ones the
/// check sends to the origin): Authorization and Cookie.
inline constexpr const char* credential_headers[] = {"Authorization", "Cookie"};

/// sha256 hex over the values of the credential headers and the URL's userinfo (length-prefixed):
/// the same requester gives the same fingerprint; the clear values never leave this function.
std::string credential_fingerprint(const net::header_map& headers, std::string_view url);

/// True when a request for `url` with `headers` carries any credential (a credential header, a
/// Proxy-Authorization, a URL's userinfo, or a query parameter the task ID leaves out by default
/// or through `filters`, such as a pre-signed URL's Signature): content it fetched cannot be taken
/// for public, since a request without that parameter has the same task ID.
bool carries_credentials(const std::map<std::string, std::string>& headers, std::string_view url,
                         const std::vector<std::string>& filters);

/// Positive access decisions keyed by (credential fingerprint, URL without userinfo). Entries
/// expire `ttl` after they were made (a revoked credential is refused again within it); beyond
/// `capacity` entries the oldest is dropped. Owned by the access_checker; one thread.
class access_cache {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t default_capacity = 4096;

  access_cache(std::chrono::milliseconds ttl, std::size_t capacity = default_capacity);

  /// True when the origin allowed `fingerprint` to read `url` less than the TTL before `now`.
  bool allowed(const std::string& fingerprint, std::string_view url, clock::time_point now);
  /// Records the origin's yes (no-op when the TTL is 0).
  void remember(const std::string& fingerprint, std::string_view url, clock::time_point now);
  std::size_t size() const { return entries_.size(); }
  /// The keys held, oldest first (tests check that no clear secret is among them).
  std::list<std::string> keys() const;

 private:
  struct entry {
    clock::time_point expires;
    std::list<std::string>::iterator position;
  };
  static std::string key(const std::string& fingerprint, std::string_view url);
  void drop_expired(clock::time_point now);

  std::chrono::milliseconds ttl_;
  std::size_t capacity_;
  std::list<std::string> order_;  // keys, oldest first (every entry lives ttl_, so also by expiry)
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace df::daemon
