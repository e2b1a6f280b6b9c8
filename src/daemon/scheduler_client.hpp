#pragma once
// The daemon's one long-lived connection to dfscheduler: hello, keepalives, reconnects, and
// delivery of the scheduler's messages to the task manager.

#include "net/async_event.hpp"
#include "net/log_rate_limiter.hpp"
#include "net/scheduler_protocol.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace df::net {
class frame_stream;
class tls_identity;
}

namespace df::daemon {

/// Keeps a connection to the first reachable scheduler address; reconnects after a loss. Owned by
/// the daemon; single-threaded on the daemon's executor.
class scheduler_client : public std::enable_shared_from_this<scheduler_client> {
 public:
  using message_handler = std::function<void(const net::proto::message&)>;
  /// Called with true on each connection, false on its loss and on the first failed attempt of
  /// an outage (so a caller learns that a scheduler it never reached is down).
  using state_handler = std::function<void(bool connected)>;

  scheduler_client(net::asio::any_io_executor ex, std::vector<std::string> addresses, net::proto::host_info host,
                   std::chrono::milliseconds keepalive_interval);

  void on_message(message_handler h) { on_message_ = std::move(h); }
  void on_state(state_handler h) { on_state_ = std::move(h); }
  /// Replaces the host description sent in hello (before start()).
  void set_host(net::proto::host_info host) { host_ = std::move(host); }
  /// Speaks TLS to schedulers, whose certificates must name the scheduler role (before start()).
  void set_tls(std::shared_ptr<net::tls_identity> tls) { tls_ = std::move(tls); }
  /// Starts the connect / read / keepalive loops.
  void start();
  void stop();
  bool connected() const { return connected_; }
  /// Waits up to `timeout` for a connection; true when connected.
  net::awaitable<bool> wait_connected(std::chrono::milliseconds timeout);
  /// Sends a message when connected; returns false (message dropped) otherwise.
  bool send(const net::proto::message& m);
  /// The address currently connected to (for messages).
  const std::string& current_address() const { return current_; }

 private:
  net::awaitable<void> run();
  net::awaitable<bool> connect_once(const std::string& address);
  /// The TLS handshake and the scheduler's certificate check; false (logged) when either fails.
  net::awaitable<bool> secure(const std::string& address);
  net::awaitable<void> keepalive_loop(std::shared_ptr<net::frame_stream> stream);

  net::asio::any_io_executor ex_;
  std::vector<std::string> addresses_;
  net::proto::host_info host_;
  std::shared_ptr<net::tls_identity> tls_;
  std::string last_tls_error_;  // logged once until it changes or a connection succeeds
  std::chrono::milliseconds keepalive_interval_;
  message_handler on_message_;
  state_handler on_state_;
  std::shared_ptr<net::frame_stream> stream_;
  net::async_event state_changed_;
  std::string current_;
  bool connected_ = false;
  bool stopped_ = false;
  net::log_rate_limiter unknown_log_{std::chrono::seconds(10)};  // messages of unknown types
};

}  // namespace df::daemon
