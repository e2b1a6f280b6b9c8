#pragma once
// Whether a requester may read what the proxy is asked for, decided by the origin itself: before
// the proxy serves a task from the cache or the swarm, it HEADs the same upstream URL with the
// requester's own credentials. A task ID is never a capability. See docs/security.md,
// "Private content".

#include "daemon/access_cache.hpp"
#include "net/asio.hpp"
#include "net/http_types.hpp"

#include <string>

namespace df::net {
class response_writer;
}  // namespace df::net

namespace df::daemon {

struct daemon_context;

/// The origin's answer to "may this requester read this URL?".
struct access_decision {
  enum class verdict {
    allowed,      // 2xx (or, for a registry blob, a redirect to its storage)
    denied,       // any other status: the requester gets it, and no content
    unreachable,  // no answer (or refused by origin_policy): nothing is served, 502
  };
  verdict what = verdict::unreachable;
  int status = 0;           // denied: the origin's status
  net::header_map headers;  // denied: the origin's headers the client acts on (challenge, API version, Location)
  std::string message;      // what the origin said, or why it could not be asked (no secrets)
};

/// HEADs `url` with nothing of the requester's but its credentials (Authorization, Cookie; a URL's
/// userinfo as Basic) through the origin machinery (origin_tls, origin_policy); a HEAD answered
/// 403, 405 or 501 is asked again as a GET of bytes=0-0 whose body is never read. A redirect to the
/// same origin is followed; one to another origin counts as a yes for a registry blob (registries
/// hand out storage locations only to readers they authorised) and is the answer otherwise.
net::awaitable<access_decision> ask_origin(daemon_context& ctx, const std::string& url,
                                           const net::header_map& request_headers, bool registry_blob);

/// Checks each proxy request (and each dfget request for a credentialed task) for content before
/// it is served from the cache or the swarm. Tracks the cache of the origin's positive answers
/// (proxy.auth_cache_ttl). Owned by the proxy_server and the local_api (one each); runs on the
/// daemon's I/O thread.
class access_checker {
 public:
  explicit access_checker(daemon_context& ctx);

  /// Called by the proxy before it acquires or serves a task for `req`. True when the requester
  /// may be served `url`'s content: the task is known public (fetched from the origin without
  /// credentials), a yes for these credentials and this URL is cached, or the origin says yes
  /// now. False when not: the answer (the origin's status and challenge, or 502 when the origin
  /// cannot be asked) has been written to `w`, with no content.
  net::awaitable<bool> permit(const net::http_request& req, const std::string& url, bool registry_blob,
                              bool known_public, net::response_writer& w);
  /// The decision alone, for a requester with `headers` (counted and logged like permit's):
  /// allowed when `known_public`, cached, or the origin says yes now.
  net::awaitable<access_decision> decide(const net::header_map& headers, const std::string& url, bool registry_blob,
                                         bool known_public);

 private:
  daemon_context& ctx_;
  access_cache cache_;
};

}  // namespace df::daemon
