#pragma once
// The local API on a unix socket: dfget sends a download request and receives the file's bytes
// in order as pieces are verified, with progress and notices in between.

#include "net/asio.hpp"

#include <boost/asio/local/stream_protocol.hpp>

#include <memory>
#include <string>

namespace df::net {
class frame_stream;
}

namespace df::daemon {

struct daemon_context;
class task_manager;

/// Accepts dfget connections; one session (coroutine) per connection. Owned by the daemon.
class local_api {
 public:
  local_api(daemon_context& ctx, task_manager& tasks);
  /// Creates the socket's folder, replaces a stale socket file and listens.
  result<void> listen(const std::string& path);
  void stop();

 private:
  net::awaitable<void> accept_loop();
  net::awaitable<void> session(std::shared_ptr<net::frame_stream> stream);

  daemon_context& ctx_;
  task_manager& tasks_;
  net::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

}  // namespace df::daemon
