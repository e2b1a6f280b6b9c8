#include "net/http_client.hpp"
#include "net/http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace df::net {
namespace {

using tcp = asio::ip::tcp;

// A server on an ephemeral loopback port answering /hello with a body and anything else with 404.
struct fixture {
  asio::io_context io;
  http_server server{io.get_executor(), [](const http_request& r, response_writer& w) -> awaitable<void> {
                       const std::string body = r.target == "/hello" ? "hello " + r.header("X-Name") : "missing";
                       co_await write_simple(w, r.target == "/hello" ? 200 : 404, "text/plain", body);
                     }};
  std::uint16_t port = 0;
  fixture() {
    auto p = server.listen("127.0.0.1", 0);
    EXPECT_TRUE(p);
    port = *p;
    server.start();
  }
  template <class F>
  void run(F f) {
    bool done = false;
    asio::co_spawn(io, [&]() -> awaitable<void> {
      co_await f();
      done = true;
      server.stop();
    }, asio::detached);
    io.run_for(std::chrono::seconds(10));
    EXPECT_TRUE(done);
  }
};

TEST(http, request_body_and_keep_alive_reuse) {
  fixture fx;
  fx.run([&]() -> awaitable<void> {
    auto conn = co_await http_connection::connect("127.0.0.1", fx.port, std::chrono::seconds(5));
    EXPECT_TRUE(conn);
    if (!conn) co_return;
    const std::string get = "GET", hello = "/hello", host = "localhost", other = "/other";
    const header_map headers{{"X-Name", "peer"}};
    for (int round = 0; round < 2; ++round) {  // same connection twice
      auto head = co_await (*conn)->request(get, hello, host, headers, std::chrono::seconds(5));
      EXPECT_TRUE(head);
      if (!head) co_return;
      EXPECT_EQ(head->status, 200);
      EXPECT_EQ(head->content_length, 10u);
      std::array<std::byte, 4> buf{};
      std::string body;
      for (;;) {
        auto n = co_await (*conn)->read_body(buf, std::chrono::seconds(5));
        EXPECT_TRUE(n);
        if (!n || *n == 0) break;
        body.append(reinterpret_cast<const char*>(buf.data()), *n);
      }
      EXPECT_EQ(body, "hello peer");
      EXPECT_TRUE((*conn)->reusable());
    }
    auto missing = co_await (*conn)->request(get, other, host, headers, std::chrono::seconds(5));
    EXPECT_TRUE(missing);
    if (missing) {
      EXPECT_EQ(missing->status, 404);
    }
  });
}

TEST(http, malformed_request_gets_400_and_server_survives) {
  fixture fx;
  fx.run([&]() -> awaitable<void> {
    tcp::socket s(fx.io);
    auto [ec] = co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), fx.port), use_nothrow);
    EXPECT_FALSE(ec);
    const std::string garbage = "THIS IS NOT HTTP\r\n\r\n";
    co_await asio::async_write(s, asio::buffer(garbage), use_nothrow);
    std::string reply(12, '\0');
    auto [ec2, n] = co_await asio::async_read(s, asio::buffer(reply), use_nothrow);
    EXPECT_FALSE(ec2);
    EXPECT_EQ(n, reply.size());
    EXPECT_EQ(reply.substr(0, 12), "HTTP/1.1 400");
    // A normal request on a new connection still works.
    auto conn = co_await http_connection::connect("127.0.0.1", fx.port, std::chrono::seconds(5));
    EXPECT_TRUE(conn);
    const std::string get = "GET", hello = "/hello", host = "h";
    const header_map none;
    auto head = co_await (*conn)->request(get, hello, host, none, std::chrono::seconds(5));
    EXPECT_TRUE(head && head->status == 200);
  });
}

TEST(http, connection_refused_is_an_error_value) {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  bool failed = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto conn = co_await http_connection::connect("127.0.0.1", port, std::chrono::seconds(2));
    failed = !conn;
  }, asio::detached);
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace df::net
