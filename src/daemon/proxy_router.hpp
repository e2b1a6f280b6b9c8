#pragma once
// Decides what the proxy port does with a request: serve a blob through the swarm, or pass the
// request to its upstream. Pure logic (no I/O), so every rule is unit-tested.

#include "daemon/config.hpp"

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace df::daemon {

/// What to do with one request, and where its upstream is.
struct proxy_route {
  enum class action { p2p, pass, reject };
  action what = action::pass;
  std::string upstream;  // absolute URL of the same resource at the upstream
  std::string digest;    // "sha256:<hex>" when the URL names content by digest (registry blobs)
  int status = 0;        // reject: the status to answer with
  std::string message;   // reject: why
};

/// The request facts routing depends on.
struct proxy_request_view {
  std::string_view method;
  std::string_view target;          // origin-form ("/v2/...") in mirror mode, absolute in proxy mode
  std::string_view registry_header; // X-Dragonfly-Registry
  std::string_view use_p2p_header;  // X-Dragonfly-Use-P2P: "true" / "false" / ""
};

/// Routes proxy requests by the proxy section of the config (its regexes compiled once).
class proxy_router {
 public:
  explicit proxy_router(const config::proxy_section& cfg);

  proxy_route route(const proxy_request_view& r) const;
  /// The base URL ("scheme://host[:port]") for a registry named by host, base URL or nothing.
  std::string registry_base(std::string_view registry) const;

 private:
  const config::proxy_section& cfg_;
  std::vector<std::regex> rules_;
};

/// The value of query parameter `name` in a request target, or "".
std::string query_param(std::string_view target, std::string_view name);
/// The target with query parameter `name` removed (order of the others kept).
std::string without_query_param(std::string_view target, std::string_view name);

}  // namespace df::daemon
