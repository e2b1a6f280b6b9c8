#pragma once
// The local API on a unix socket: dfget sends a download request and receives the file's bytes
// in order as pieces are verified, with progress and notices in between.

#include "daemon/access_check.hpp"
#include "net/asio.hpp"

#include <boost/asio/local/stream_protocol.hpp>

#include <memory>
#include <string>

namespace df::net {
class frame_stream;
namespace local {
struct download_request;
}
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
  /// Whether the requester may be handed the task from this host: yes unless a request with
  /// credentials asked for it here (task_metadata::credentialed) and it is not known public; then
  /// the origin decides with the requester's own credentials, as for the proxy. On a no the
  /// error has been sent to dfget.
  net::awaitable<bool> may_read(net::frame_stream& stream, const net::local::download_request& req,
                                const std::string& task_id);

  daemon_context& ctx_;
  task_manager& tasks_;
  access_checker access_;
  net::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
};

}  // namespace df::daemon
