#include "daemon/scheduler_client.hpp"

#include "net/bounded_resolve.hpp"
#include "net/frame_stream.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

namespace df::daemon {

namespace proto = net::proto;
using tcp = net::asio::ip::tcp;
using net::awaitable;
using net::use_nothrow;

scheduler_client::scheduler_client(net::asio::any_io_executor ex, std::vector<std::string> addresses,
                                   proto::host_info host, std::chrono::milliseconds keepalive_interval)
    : ex_(ex),
      addresses_(std::move(addresses)),
      host_(std::move(host)),
      keepalive_interval_(keepalive_interval),
      state_changed_(ex) {}

void scheduler_client::start() {
  net::asio::co_spawn(ex_, [self = shared_from_this()] { return self->run(); }, net::asio::detached);
}

void scheduler_client::stop() {
  stopped_ = true;
  if (stream_) stream_->close();
  state_changed_.notify_all();
}

awaitable<bool> scheduler_client::wait_connected(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!connected_ && !stopped_) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) break;
    co_await state_changed_.wait_for(left);
  }
  co_return connected_;
}

bool scheduler_client::send(const proto::message& m) {
  if (!connected_ || !stream_) return false;
  stream_->send(net::frame_kind::message, proto::encode(m));
  return true;
}

awaitable<bool> scheduler_client::connect_once(const std::string& address) {
  const auto colon = address.rfind(':');
  const std::string host = address.substr(0, colon), port = address.substr(colon + 1);
  const auto lookup = co_await net::resolve_within(host, port, std::chrono::seconds(3));
  if (lookup.error) co_return false;
  const auto& endpoints = lookup.endpoints;
  tcp::socket socket(ex_);
  net::asio::steady_timer guard(ex_, std::chrono::seconds(3));
  guard.async_wait([&socket](boost::system::error_code e) {
    if (!e) socket.close();
  });
  auto [ec2, ep] = co_await net::asio::async_connect(socket, endpoints, use_nothrow);
  guard.cancel();
  if (ec2) co_return false;
  socket.set_option(tcp::no_delay(true), ec2);
  stream_ = std::make_shared<net::frame_stream>(net::frame_stream::socket_type(std::move(socket)), true);
  if (!co_await secure(address)) {
    stream_->close();
    co_return false;
  }
  // What this daemon understands beyond the base protocol: the scheduler sends nothing else.
  proto::hello hello{proto::protocol_version, host_};
  for (const auto feature : {proto::feature_reverify, proto::feature_jobs})
    if (!proto::has_feature(hello.host, feature)) hello.host.features.emplace_back(feature);
  stream_->send(net::frame_kind::message, proto::encode(hello));
  current_ = address;
  co_return true;
}

awaitable<bool> scheduler_client::secure(const std::string& address) {
  if (!tls_ || tls_->mode() == security_mode::off) co_return true;
  std::string problem;
  auto shaken = co_await stream_->start_tls(tls_->client(), false, std::chrono::seconds(5));
  if (!shaken) {
    problem = "TLS handshake failed: " + shaken.error().message();
  } else {
    auto id = net::peer_identity(stream_->tls_session());
    if (!id) problem = "its certificate names no cluster identity";
    else if (id->role != net::cluster_role::scheduler)
      problem = "its certificate is a " + std::string(net::role_name(id->role)) + "'s (" + id->uri() + "), not a scheduler's";
  }
  if (problem.empty()) {
    last_tls_error_.clear();
    co_return true;
  }
  if (problem != last_tls_error_) spdlog::error("scheduler {} refused: {}", address, problem);
  last_tls_error_ = problem;
  co_return false;
}

awaitable<void> scheduler_client::keepalive_loop(std::shared_ptr<net::frame_stream> stream) {
  net::asio::steady_timer timer(ex_);
  while (stream->is_open() && !stopped_) {
    timer.expires_after(keepalive_interval_);
    co_await timer.async_wait(use_nothrow);
    if (stream->is_open()) stream->send(net::frame_kind::message, proto::encode(proto::keepalive{}));
  }
}

awaitable<void> scheduler_client::run() {
  auto self = shared_from_this();
  std::size_t next = 0;
  bool warned = false;
  net::asio::steady_timer backoff(ex_);
  while (!stopped_) {
    const std::string address = addresses_[next++ % addresses_.size()];
    const bool ok = co_await connect_once(address);
    if (!ok) {
      if (!warned) {
        spdlog::warn("scheduler {} unreachable; retrying in the background", address);
        if (on_state_) on_state_(false);  // tried and failed: tasks need not wait for it
      }
      warned = true;
      backoff.expires_after(std::chrono::seconds(1));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    warned = false;
    connected_ = true;
    spdlog::info("connected to scheduler {}", address);
    state_changed_.notify_all();
    if (on_state_) on_state_(true);
    net::asio::co_spawn(ex_, keepalive_loop(stream_), net::asio::detached);
    for (;;) {
      auto f = co_await stream_->read();
      if (!f) break;
      auto m = proto::decode(f->payload);
      if (!m && proto::is_unknown_type(f->payload)) {
        // A newer scheduler's message this daemon did not ask for: skipped, the connection stays.
        if (unknown_log_.allow(std::chrono::steady_clock::now()))
          spdlog::warn("scheduler {} sent a message type this daemon does not know; skipped", address);
        continue;
      }
      if (!m) {
        spdlog::warn("scheduler {} sent a malformed message ({}); reconnecting", address, m.error().message());
        break;
      }
      if (on_message_) on_message_(*m);
    }
    stream_->close();
    connected_ = false;
    state_changed_.notify_all();
    if (!stopped_) spdlog::warn("lost the connection to scheduler {}", address);
    if (on_state_) on_state_(false);
  }
}

}  // namespace df::daemon
