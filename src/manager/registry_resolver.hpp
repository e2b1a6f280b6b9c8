#pragma once
// Image preheat's first step: an image manifest URL → the blob URLs to preheat (config and
// layers), through the registry's auth flow (Basic, and the Bearer token challenge) and, for an
// index or manifest list, the manifest of the asked platform. Every response is size-bounded.

#include "net/asio.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace df::manager {

/// What to resolve and with which credentials (never logged).
struct image_request {
  std::string manifest_url;  // http(s)://registry/v2/<name>/manifests/<tag or digest>
  std::map<std::string, std::string> headers;  // sent with every request (e.g. Harbor's Authorization)
  std::string username;      // for Basic, or for the token endpoint of a Bearer challenge
  std::string password;
  std::string platform;      // "os/arch[/variant]" picked from an index; empty = linux/amd64
  std::chrono::milliseconds timeout{60000};  // per request
};

/// The blobs of the image and the Authorization that fetched them (for the seeds), or why not
/// ("manifest 401 from registry host:5000: …"): a message for users, without credentials.
struct resolved_image {
  std::vector<std::string> blob_urls;  // config first, then the layers in order
  std::string authorization;           // "" or the header value that worked
  std::string error;                   // empty = resolved
};

/// Largest manifest, index or token response read.
inline constexpr std::size_t max_manifest_bytes = 4 * 1024 * 1024;

/// Resolves `request` on the calling coroutine's executor.
net::awaitable<resolved_image> resolve_image(const image_request& request);

/// The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` header
/// (keys lower-cased); empty when the scheme is not Bearer. (Exposed for tests.)
std::map<std::string, std::string> parse_bearer_challenge(const std::string& header);

}  // namespace df::manager
