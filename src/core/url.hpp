#pragma once
// URL parsing for origin requests and task IDs: scheme, host, port, target, and query filtering.

#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace df {

/// A parsed http(s) URL; a value type.
struct url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path plus "?query", at least "/"
  std::string userinfo;  // "user:password" before '@', as written (percent-encoded); never in to_string()

  /// host, or host:port when the port is not the scheme's default (the Host header's form).
  std::string host_header() const;
  std::string to_string() const;
};

/// Parses an absolute http:// or https:// URL.
result<url> parse_url(std::string_view text);

/// The URL with any "user:password@" replaced by "***@": for logs, messages and metrics.
std::string redact_url(std::string_view text);

/// The URL without any "user:password@": what may be stored (task metadata) or used as a key.
std::string strip_userinfo(std::string_view text);

/// The value of a Basic Authorization header for a URL's userinfo (percent-decoded), or "".
std::string basic_auth_from_userinfo(std::string_view userinfo);

/// The query parameters that never take part in a task ID: URL-signing parameters and containerd's `ns`.
const std::vector<std::string>& default_filtered_params();

/// The URL with every query parameter named in `filters` (or in the defaults) removed; order kept.
/// Names ending in '*' match by prefix; matching ignores case.
std::string filter_query(std::string_view url_text, const std::vector<std::string>& filters);

/// True when `filter_query` removes a parameter other than containerd's `ns` from the URL: a
/// signature, an access key or a token (--filter) that the task ID does not see, so the content
/// fetched with it is private and another request for the same task ID must be checked.
bool query_carries_credentials(std::string_view url_text, const std::vector<std::string>& filters);

/// Splits an `&`-separated filter list ("Expires&Signature") as the --filter flag takes it.
std::vector<std::string> split_filter(std::string_view filter);

}  // namespace df
