#pragma once
// HTTP request and response heads as plain values, so handlers and callers never see Beast types.

#include "core/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <strings.h>

struct ssl_st;

namespace df::net {

/// Orders header names case-insensitively, as HTTP compares them.
struct header_name_less {
  bool operator()(const std::string& a, const std::string& b) const { return ::strcasecmp(a.c_str(), b.c_str()) < 0; }
};
/// Header fields by name (one value per name; repeated fields are joined with ", ").
using header_map = std::map<std::string, std::string, header_name_less>;

/// A request as the server read it; the body is at most the server's body limit (64 KiB unless
/// set_body_limit says otherwise).
struct http_request {
  std::string method;
  std::string target;
  header_map headers;
  std::string remote_address;
  std::string body;
  /// The TLS session it came over (null over plain HTTP), to read what the client's certificate
  /// proved; valid while the handler runs.
  ssl_st* tls = nullptr;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// The head of a response as the client read it.
struct http_response_head {
  int status = 0;
  std::string reason;
  header_map headers;
  std::optional<std::uint64_t> content_length;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

}  // namespace df::net
