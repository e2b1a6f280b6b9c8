#include "scheduler/service.hpp"

#include "net/asio.hpp"
#include "net/frame_stream.hpp"
#include "net/http_server.hpp"
#include "net/scheduler_protocol.hpp"
#include "scheduler/have_batcher.hpp"
#include "scheduler/swarm.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <map>

namespace df::scheduler {

namespace proto = net::proto;
using tcp = net::asio::ip::tcp;
using net::awaitable;
using net::use_nothrow;

namespace {
constexpr auto hello_timeout = std::chrono::seconds(10);
}

struct service::impl : std::enable_shared_from_this<impl> {
  impl(net::asio::io_context& io_, config c)
      : io(io_),
        cfg(std::move(c)),
        sw(cfg.scheduling, [this](const std::string& host, proto::message m) { deliver(host, m); },
           swarm_stats::create(metrics)),
        acceptor(io),
        metrics_server(io.get_executor(), [this](const net::http_request& r, net::response_writer& w) {
          return serve_metrics(r, w);
        }),
        reaper(io),
        frames_in(metrics.counter("dragonfly_scheduler_messages_received_total", "Messages received from daemons")),
        frames_bad(metrics.counter("dragonfly_scheduler_messages_rejected_total", "Malformed messages rejected")) {}

  void deliver(const std::string& host_id, const proto::message& m) {
    if (const auto* h = std::get_if<proto::have>(&m)) {
      // Sent once the messages being handled now are done, merged (have_batcher).
      if (haves.add(host_id, *h)) net::asio::post(io, [self = shared_from_this()] { self->flush_haves(); });
      return;
    }
    send_now(host_id, m);
  }

  void send_now(const std::string& host_id, const proto::message& m) {
    const auto it = connections.find(host_id);
    if (it != connections.end()) it->second->send(net::frame_kind::message, proto::encode(m));
  }

  void flush_haves() {
    for (const auto& [host_id, m] : haves.take()) send_now(host_id, m);
  }

  awaitable<void> serve_metrics(const net::http_request& r, net::response_writer& w) {
    const std::string text = r.target == "/metrics" ? metrics.render() : std::string();
    if (r.target == "/metrics") co_await net::write_simple(w, 200, "text/plain; version=0.0.4", text);
    else if (r.target == "/healthz") co_await net::write_simple(w, 200, "text/plain", "ok\n");
    else co_await net::write_simple(w, 404, "text/plain", "not found\n");
  }

  awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
      if (ec == net::asio::error::operation_aborted) break;
      if (ec) continue;
      socket.set_option(tcp::no_delay(true), ec);
      auto stream = std::make_shared<net::frame_stream>(net::frame_stream::socket_type(std::move(socket)), true);
      net::asio::co_spawn(io, serve(stream), net::asio::detached);
    }
  }

  awaitable<void> serve(std::shared_ptr<net::frame_stream> stream) {
    auto self = shared_from_this();
    bool identified = false;
    net::asio::steady_timer hello_timer(io, hello_timeout);
    hello_timer.async_wait([stream, &identified](boost::system::error_code ec) {
      if (!ec && !identified) stream->close();
    });
    std::string host_id;
    for (;;) {
      auto f = co_await stream->read();
      if (!f) break;
      auto m = f->kind == net::frame_kind::message ? proto::decode(f->payload)
                                                   : result<proto::message>(errc::malformed_message);
      frames_in.add();
      if (!m) {
        frames_bad.add();
        spdlog::warn("scheduler: closing connection {}: {}", host_id.empty() ? "(no hello yet)" : host_id,
                     m.error().message());
        break;
      }
      if (!identified) {
        const auto* h = std::get_if<proto::hello>(&*m);
        if (!h || h->host.host_id.empty()) {
          frames_bad.add();
          spdlog::warn("scheduler: first message was {}, not hello; closing", proto::type_name(*m));
          break;
        }
        identified = true;
        hello_timer.cancel();
        host_id = h->host.host_id;
        if (auto old = connections.find(host_id); old != connections.end()) old->second->close();
        connections[host_id] = stream;
        sw.on_hello(h->host);
        continue;
      }
      sw.on_message(host_id, *m);
    }
    identified = true;  // the timer handler may still run; keep it from touching a closed stream twice
    hello_timer.cancel();
    stream->close();
    if (!host_id.empty()) {
      auto it = connections.find(host_id);
      if (it != connections.end() && it->second == stream) {
        connections.erase(it);
        sw.on_host_gone(host_id);
      }
    }
  }

  awaitable<void> reap_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      reaper.expires_after(std::chrono::seconds(1));
      co_await reaper.async_wait(use_nothrow);
      sw.tick();
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [id, host] : sw.hosts()) {
        if (now - host.last_seen < cfg.keepalive_timeout) continue;
        spdlog::warn("scheduler: host {} sent nothing for {} ms; dropping it", id, cfg.keepalive_timeout.count());
        if (auto c = connections.find(id); c != connections.end()) c->second->close();
      }
    }
  }

  net::asio::io_context& io;
  config cfg;
  net::metrics_registry metrics;
  swarm sw;
  tcp::acceptor acceptor;
  net::http_server metrics_server;
  net::asio::steady_timer reaper;
  net::metric& frames_in;
  net::metric& frames_bad;
  std::map<std::string, std::shared_ptr<net::frame_stream>> connections;
  have_batcher haves;
};

service::service(net::asio::io_context& io, config cfg) : impl_(std::make_shared<impl>(io, std::move(cfg))) {}
service::~service() { stop(); }

result<void> service::start() {
  auto& i = *impl_;
  boost::system::error_code ec;
  const auto addr = net::asio::ip::make_address(i.cfg.listen, ec);
  if (ec) return errc::invalid_argument;
  const tcp::endpoint ep(addr, i.cfg.port);
  i.acceptor.open(ep.protocol(), ec);
  if (!ec) i.acceptor.set_option(net::asio::socket_base::reuse_address(true), ec);
  if (!ec) i.acceptor.bind(ep, ec);
  if (!ec) i.acceptor.listen(net::asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  if (i.cfg.metrics_port != 0) {
    if (auto r = i.metrics_server.listen(i.cfg.metrics_listen, i.cfg.metrics_port); !r) return r.error();
    i.metrics_server.start();
  }
  net::asio::co_spawn(i.io, [self = impl_] { return self->accept_loop(); }, net::asio::detached);
  net::asio::co_spawn(i.io, [self = impl_] { return self->reap_loop(); }, net::asio::detached);
  spdlog::info("dfscheduler listening on {}:{}", i.cfg.listen, port());
  return {};
}

void service::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->reaper.cancel();
  impl_->metrics_server.stop();
  for (auto& [id, c] : impl_->connections) c->close();
}

std::uint16_t service::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace df::scheduler
