#pragma once
// The one place that pulls in Asio's coroutine support and names the tokens the project uses.

#include "core/error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace df::net {

namespace asio = boost::asio;
template <class T = void>
using awaitable = asio::awaitable<T>;
using asio::use_awaitable;

/// Completion token that returns (error_code, ...) as a tuple instead of throwing: expected errors
/// (EOF, cancellation, timeouts) are values.
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace df::net
