#pragma once
// The proxy port (65001): a registry mirror for container runtimes and an HTTP proxy. Blobs (and
// URLs matching proxy.p2p_rules) come through the swarm; everything else goes to the upstream.

#include "daemon/access_check.hpp"
#include "net/asio.hpp"
#include "net/http_types.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace df::net {
class http_server;
class response_writer;
}  // namespace df::net

namespace df::daemon {

struct daemon_context;
class task_manager;
class proxy_router;
struct proxy_route;
class connect_policy;
class connect_handler;

/// Serves the OCI distribution API as a pull-through mirror and plain-HTTP proxy requests. Owned
/// by the daemon; runs on its I/O thread.
class proxy_server {
 public:
  proxy_server(daemon_context& ctx, task_manager& tasks);
  ~proxy_server();

  /// Loads the HTTPS proxy's CA (when configured) and binds; returns the bound port.
  result<std::uint16_t> listen(const std::string& address, std::uint16_t port);
  void stop();

 private:
  /// Every request on the port: proxy basic auth (when configured), then serve().
  net::awaitable<void> handle(const net::http_request& req, net::response_writer& w);
  /// Routes and serves one request; also the requests inside a hijacked HTTPS connection (whose
  /// CONNECT was authorized).
  net::awaitable<void> serve(const net::http_request& req, net::response_writer& w);
  /// Serves a blob (whole or a Range) from the swarm; false when P2P could not start it and
  /// nothing was sent yet (the caller then fetches it directly).
  net::awaitable<bool> serve_p2p(const net::http_request& req, net::response_writer& w, const proxy_route& route,
                                 std::string& why_not);
  /// Forwards the request to the upstream and streams its answer back unchanged.
  net::awaitable<void> pass_through(const net::http_request& req, net::response_writer& w, const std::string& url);

  daemon_context& ctx_;
  task_manager& tasks_;
  std::unique_ptr<proxy_router> router_;
  std::unique_ptr<connect_policy> connect_policy_;
  std::unique_ptr<connect_handler> connect_;
  std::unique_ptr<net::http_server> server_;
  access_checker access_{ctx_};  // who may be served content from the cache or the swarm
};

}  // namespace df::daemon
