#pragma once
// CONNECT on the proxy port: the HTTPS proxy (TLS terminated here for hijacked hosts, the requests
// inside served like plain proxy requests), byte tunnels for other hosts, or a refusal.

#include "daemon/connect_policy.hpp"
#include "net/asio.hpp"
#include "net/cert_mint.hpp"
#include "net/http_server.hpp"
#include "net/log_rate_limiter.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>

namespace df::daemon {

struct daemon_context;

/// Answers every CONNECT the proxy port receives. Owned by proxy_server (which outlives it and
/// owns `policy`); runs on the daemon's I/O thread, which also owns its certificate cache.
///
/// It tracks:
///  1. the certificate cache (only when proxy.hijack_https has a CA), minted leaves by host;
///  2. the handler the requests inside a hijacked connection go to (the proxy's own, minus auth);
///  3. a log limiter: a client can fail handshakes at will, the log says so once per interval.
class connect_handler {
 public:
  /// Loads the CA when hijacking is configured; `error_text` says why it could not be.
  static result<std::unique_ptr<connect_handler>> make(daemon_context& ctx, const connect_policy& policy,
                                                       net::http_handler inner, std::string& error_text);

  /// Called by the HTTP server for each CONNECT, with the connection it hands over.
  net::awaitable<void> handle(const net::http_request& req, net::asio::ip::tcp::socket socket, std::string early);

 private:
  connect_handler(daemon_context& ctx, const connect_policy& policy, net::http_handler inner,
                  std::optional<net::leaf_cache> leaves);

  net::awaitable<void> tunnel(const connect_target& target, net::asio::ip::tcp::socket client, std::string early);
  net::awaitable<void> hijack(const connect_target& target, net::asio::ip::tcp::socket client,
                              const std::string& remote);

  daemon_context& ctx_;
  const connect_policy& policy_;
  net::http_handler inner_;
  std::optional<net::leaf_cache> leaves_;
  net::log_rate_limiter log_limiter_{std::chrono::seconds(5)};
};

}  // namespace df::daemon
