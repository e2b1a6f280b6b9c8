// Request bodies: what reaches the handler, and what set_body_limit() refuses with 413.
#include "net/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace df::net {
namespace {

using tcp = asio::ip::tcp;

// Sends `request` on a new connection and reads until the server closes it.
awaitable<std::string> exchange(std::uint16_t port, const std::string& request) {
  tcp::socket s(co_await asio::this_coro::executor);
  auto [ec] = co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), use_nothrow);
  EXPECT_FALSE(ec);
  co_await asio::async_write(s, asio::buffer(request), use_nothrow);
  std::string reply(4096, '\0');
  auto [rec, n] = co_await asio::async_read(s, asio::buffer(reply), use_nothrow);
  reply.resize(n);
  co_return reply;
}

TEST(http_body, bodies_up_to_the_limit_reach_the_handler_longer_ones_are_413) {
  asio::io_context io;
  metric oversized;
  http_server server{io.get_executor(), [](const http_request& r, response_writer& w) -> awaitable<void> {
                       const std::string size = std::to_string(r.body.size()) + ":" + r.body.substr(0, 3);
                       co_await write_simple(w, 200, "text/plain", size);
                     }};
  server.set_body_limit(1024, &oversized);
  const auto port = server.listen("127.0.0.1", 0);
  ASSERT_TRUE(port);
  server.start();
  bool done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    const std::string small = "POST /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n" +
                              std::string(1000, 'a');
    const auto ok = co_await exchange(*port, small);
    EXPECT_EQ(ok.substr(0, 12), "HTTP/1.1 200") << ok;
    EXPECT_NE(ok.find("1000:aaa"), std::string::npos) << ok;
    const std::string big = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n" + std::string(1025, 'b');
    const auto refused = co_await exchange(*port, big);
    EXPECT_EQ(refused.substr(0, 12), "HTTP/1.1 413") << refused;
    EXPECT_EQ(oversized.value(), 1u);
    const auto again = co_await exchange(*port, small);  // still serving
    EXPECT_EQ(again.substr(0, 12), "HTTP/1.1 200");
    done = true;
    server.stop();
  }, asio::detached);
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace df::net
