#pragma once
// Name resolution with a deadline: a resolver that never answers (a dead DNS server) cannot hold
// a caller past its timeout.

#include "net/asio.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

namespace df::net {

/// The result of resolve_within: an error (errc::timeout after `timeout`) or the endpoints.
struct resolved_endpoints {
  boost::system::error_code error;
  asio::ip::tcp::resolver::results_type endpoints;
};

/// Resolves `host`:`service` on the calling coroutine's executor, cancelled after `timeout`.
awaitable<resolved_endpoints> resolve_within(const std::string& host, const std::string& service,
                                             std::chrono::milliseconds timeout);

}  // namespace df::net
