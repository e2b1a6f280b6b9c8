#pragma once
// Back-to-source: reads a URL from the origin and cuts the body into pieces as it arrives.

#include "core/byte_buffer.hpp"
#include "core/strong_int.hpp"
#include "net/asio.hpp"
#include "net/http_types.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace df::net {
class http_connection;
class token_bucket;
struct tls_options;
}
namespace df {
struct url;
}

namespace df::daemon {

struct daemon_context;
struct config;

/// How to reach an origin URL: plain for http://; for https://, TLS checked against the system CAs
/// and origin_tls.ca_file, unchecked only for a host listed in origin_tls.insecure_hosts.
net::tls_options origin_tls(const config& cfg, const url& u);

/// Connects to the origin of one URL (or redirect hop), with the daemon's origin policy checked on
/// every address the name resolves to; `why` says what went wrong for the user.
net::awaitable<result<std::unique_ptr<net::http_connection>>> connect_origin(daemon_context& ctx, const url& u,
                                                                            std::string& why);
/// 301, 302, 303, 307 or 308.
bool is_redirect(int status);
/// A Location header resolved against the URL it came from.
std::string resolve_location(const url& base, const std::string& location);
/// Same scheme, host and port: where credentials given for `a` may also go.
bool same_origin(const url& a, const url& b);
/// The headers for one hop: the requester's, without Host. Credentials go only to the origin they
/// were given for (the first URL's scheme, host and port): a redirect elsewhere (say, to
/// pre-signed storage) gets none. A URL's "user:password@" becomes Basic authorization when no
/// Authorization was given. `User-Agent` is the daemon's ("dfdaemon/<version>"); the client's own
/// travels as `X-Dragonfly-Client-User-Agent`.
net::header_map hop_headers(const std::map<std::string, std::string>& headers, const url& first, const url& current);

/// How a back-to-source read ended. `origin_status` is set when the origin refused the request.
struct origin_outcome {
  boost::system::error_code error;  // empty on success
  int origin_status = 0;
  std::string message;              // for the user: what happened, naming the origin
  std::uint64_t bytes = 0;          // body bytes read
};

/// Where to resume a task already partly stored: from `first_piece` on, if the origin's content
/// still matches `validator` (an ETag or Last-Modified, sent as If-Range).
struct origin_resume {
  std::uint32_t first_piece = 0;
  std::uint64_t piece_size = 0;
  std::string validator;
};

/// The response head as the caller needs it.
struct origin_head {
  std::optional<std::uint64_t> content_length;  // of the whole task
  std::uint64_t piece_size = 0;                  // to cut with
  bool partial = false;                          // a 206: the body starts at the resumed piece
  std::string etag, last_modified;
};

/// What the reader tells its caller as it goes.
struct origin_callbacks {
  /// The response head arrived. A full (200) answer to a resume means the content changed or the
  /// origin ignores ranges: whatever was stored before must be dropped.
  std::function<result<void>(const origin_head& head)> on_layout;
  /// A whole piece was read (the last one may be short). An error stops the read.
  std::function<net::awaitable<result<void>>(piece_index, byte_buffer)> on_piece;
  /// A per-task limit applied on top of the host's download limit; null = none.
  net::token_bucket* task_limit = nullptr;
};

/// The origin's answer to a conditional HEAD for a cached task.
struct origin_check {
  int status = 0;  // 304: unchanged; 200: see the validators; 0: no answer
  std::string etag, last_modified;
  std::string message;
};

/// HEAD `url` with If-None-Match / If-Modified-Since from the stored validators (redirects followed).
net::awaitable<origin_check> check_origin(daemon_context& ctx, const std::string& url,
                                          const std::map<std::string, std::string>& headers, const std::string& etag,
                                          const std::string& last_modified);

/// GETs `url` with the requester's headers (following up to 5 redirects), reports the layout,
/// then every piece in order. A short body or a non-2xx status is a failure with a clear message.
/// With `resume`, asks only for the rest (Range + If-Range).
net::awaitable<origin_outcome> read_from_origin(daemon_context& ctx, const std::string& url,
                                                const std::map<std::string, std::string>& headers,
                                                const origin_callbacks& callbacks,
                                                const std::optional<origin_resume>& resume = std::nullopt);

}  // namespace df::daemon
