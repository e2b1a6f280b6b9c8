#include "net/tunnel.hpp"

#include "net/async_event.hpp"

#include <boost/asio/write.hpp>

#include <memory>
#include <vector>

namespace df::net {

namespace {

using tcp = asio::ip::tcp;
constexpr std::size_t chunk_size = 64 * 1024;

// What both directions of one tunnel share.
struct tunnel_state {
  tunnel_state(tcp::socket c, tcp::socket s)
      : client(std::move(c)), server(std::move(s)), done(client.get_executor()) {}
  tcp::socket client, server;
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  int running = 2;
  async_event done;

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
  }
};

awaitable<void> pump(std::shared_ptr<tunnel_state> s, bool upward) {
  tcp::socket& from = upward ? s->client : s->server;
  tcp::socket& to = upward ? s->server : s->client;
  std::vector<char> chunk(chunk_size);
  for (;;) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(chunk), use_nothrow);
    if (ec) {
      boost::system::error_code ignored;
      if (ec == asio::error::eof) to.shutdown(tcp::socket::shutdown_send, ignored);  // the other way goes on
      else s->close();
      break;
    }
    s->last_activity = std::chrono::steady_clock::now();
    auto [wec, m] = co_await asio::async_write(to, asio::buffer(chunk.data(), n), use_nothrow);
    if (wec) {
      s->close();
      break;
    }
    s->last_activity = std::chrono::steady_clock::now();
  }
  --s->running;
  s->done.notify_all();
}

}  // namespace

awaitable<void> relay_both_ways(tcp::socket client, tcp::socket server, std::chrono::milliseconds idle) {
  auto ex = client.get_executor();
  auto s = std::make_shared<tunnel_state>(std::move(client), std::move(server));
  asio::co_spawn(ex, pump(s, true), asio::detached);
  asio::co_spawn(ex, pump(s, false), asio::detached);
  while (s->running > 0) {
    const auto quiet = std::chrono::steady_clock::now() - s->last_activity;
    if (quiet >= idle) {
      s->close();  // both pumps end with an error and count down
      co_await s->done.wait_for(std::chrono::seconds(1));
      continue;
    }
    co_await s->done.wait_for(idle - quiet);
  }
  s->close();
}

}  // namespace df::net
