#pragma once
// A byte pipe between two connected sockets (CONNECT tunnels through the proxy port).

#include "net/asio.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>

namespace df::net {

/// Copies bytes both ways between `client` and `server` until both directions have ended (a
/// half-close is passed on), either side fails, or no byte moved either way for `idle`; then
/// closes both. Returns when both directions are done.
awaitable<void> relay_both_ways(asio::ip::tcp::socket client, asio::ip::tcp::socket server,
                                std::chrono::milliseconds idle);

}  // namespace df::net
