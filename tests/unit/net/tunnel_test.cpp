#include "net/tunnel.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <string>

namespace df::net {
namespace {

using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A connected pair of loopback sockets.
struct socket_pair {
  tcp::socket near, far;
  explicit socket_pair(asio::io_context& io) : near(io), far(io) {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    near.connect(a.local_endpoint());
    far = a.accept();
  }
};

// client <-> [tunnel: client_side.far, server_side.near] <-> server. Runs `body` with the two ends.
template <class F>
bool run_tunnel(std::chrono::milliseconds idle, F body) {
  asio::io_context io;
  socket_pair client_side(io), server_side(io);
  bool relay_done = false, body_done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await relay_both_ways(std::move(client_side.far), std::move(server_side.near), idle);
    relay_done = true;
  }, asio::detached);
  asio::co_spawn(io, [&]() -> awaitable<void> {
    co_await body(client_side.near, server_side.far);
    body_done = true;
  }, asio::detached);
  io.run_for(10s);
  EXPECT_TRUE(body_done);
  return relay_done;
}

awaitable<std::string> read_exactly(tcp::socket& s, std::size_t n) {
  std::string out(n, '\0');
  auto [ec, got] = co_await asio::async_read(s, asio::buffer(out), use_nothrow);
  EXPECT_FALSE(ec) << ec.message();
  out.resize(got);
  co_return out;
}

TEST(tunnel, bytes_pass_both_ways_and_a_half_close_is_passed_on) {
  const bool finished = run_tunnel(10s, [](tcp::socket& client, tcp::socket& server) -> awaitable<void> {
    const std::string hello = "hello upstream", reply = "hello client";
    co_await asio::async_write(client, asio::buffer(hello), use_nothrow);
    EXPECT_EQ(co_await read_exactly(server, hello.size()), hello);
    client.shutdown(tcp::socket::shutdown_send);  // the client is done sending ...
    char byte = 0;
    auto [eof, n] = co_await server.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    EXPECT_EQ(eof, asio::error::eof);
    co_await asio::async_write(server, asio::buffer(reply), use_nothrow);  // ... and still receives
    EXPECT_EQ(co_await read_exactly(client, reply.size()), reply);
    server.shutdown(tcp::socket::shutdown_send);
    auto [eof2, n2] = co_await client.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    EXPECT_EQ(eof2, asio::error::eof);
  });
  EXPECT_TRUE(finished) << "the tunnel did not end after both directions closed";
}

TEST(tunnel, a_tunnel_without_traffic_is_closed_after_the_idle_timeout) {
  const auto started = std::chrono::steady_clock::now();
  const bool finished = run_tunnel(300ms, [](tcp::socket& client, tcp::socket& server) -> awaitable<void> {
    const std::string ping = "ping";
    co_await asio::async_write(client, asio::buffer(ping), use_nothrow);
    EXPECT_EQ(co_await read_exactly(server, ping.size()), ping);
    char byte = 0;
    auto [ec, n] = co_await client.async_read_some(asio::buffer(&byte, 1), use_nothrow);  // nothing more comes
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
    auto [ec2, n2] = co_await server.async_read_some(asio::buffer(&byte, 1), use_nothrow);
    EXPECT_TRUE(ec2 == asio::error::eof || ec2 == asio::error::connection_reset) << ec2.message();
  });
  EXPECT_TRUE(finished);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
}

}  // namespace
}  // namespace df::net
