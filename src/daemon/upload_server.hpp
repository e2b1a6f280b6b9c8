#pragma once
// The upload server: other peers fetch verified pieces here; /metrics and /healthz live here too.

#include "net/asio.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace df::net {
class http_server;
class metrics_registry;
class response_writer;
}  // namespace df::net

namespace df::daemon {

struct daemon_context;
class task_manager;

/// Serves GET /v1/tasks/<task_id>/pieces/<n> (only verified pieces, rate-limited), /metrics and
/// /healthz. Owned by the daemon.
class upload_server {
 public:
  upload_server(daemon_context& ctx, task_manager& tasks, net::metrics_registry& metrics);
  ~upload_server();

  /// Binds; returns the bound port.
  result<std::uint16_t> listen(const std::string& address, std::uint16_t port);
  void stop();

 private:
  net::awaitable<void> handle(const net::http_request& req, net::response_writer& w);
  net::awaitable<void> serve_piece(const std::string& task_id, const std::string& piece_text, net::response_writer& w);

  daemon_context& ctx_;
  task_manager& tasks_;
  net::metrics_registry& metrics_;
  std::unique_ptr<net::http_server> server_;
};

}  // namespace df::daemon
