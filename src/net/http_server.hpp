#pragma once
// A small HTTP/1.1 server: accept loop, one coroutine per connection, keep-alive, timeouts.

#include "net/asio.hpp"
#include "net/http_types.hpp"
#include "net/metrics.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

namespace df::net {

/// Decides whether a TLS connection may be served, from what its handshake proved (the client's
/// certificate) and its address.
using tls_admission = std::function<bool(ssl_st*, const std::string& remote_address)>;

/// Writes one response: the head, then exactly content_length body bytes in any number of calls.
class response_writer {
 public:
  virtual ~response_writer() = default;
  /// Sends status and headers; Content-Length is set from `content_length`.
  virtual awaitable<result<void>> write_head(int status, const header_map& headers, std::uint64_t content_length) = 0;
  /// Sends status and headers for a body of unknown length: the body ends when the connection
  /// closes (the server closes it after the handler returns).
  virtual awaitable<result<void>> write_head_until_close(int status, const header_map& headers) = 0;
  virtual awaitable<result<void>> write_body(std::span<const std::byte> bytes) = 0;
  /// Sends `length` body bytes from a file at `offset` with sendfile(2) (no copy through user space).
  virtual awaitable<result<void>> write_file(int fd, std::uint64_t offset, std::uint64_t length) = 0;
};

/// Sends a whole small response (error pages, metrics) in one call.
/// (GCC 12 destroys temporaries inside co_await expressions twice: pass only named values.)
awaitable<result<void>> write_simple(response_writer& w, int status, std::string_view content_type,
                                     std::string_view body);

/// Handles one request; must write exactly one response through the writer. A handler that
/// returns before sending the whole announced body makes the server close the connection, so the
/// client sees a truncated response rather than a wrong one.
using http_handler = std::function<awaitable<void>(const http_request&, response_writer&)>;

/// Takes over a connection whose request is CONNECT: the request head, the socket (owned by the
/// handler from then on) and the bytes the client sent after the head, already read.
using connect_handler =
    std::function<awaitable<void>(const http_request&, asio::ip::tcp::socket, std::string early_bytes)>;

/// Connections an http_server serves at once unless told otherwise.
inline constexpr std::size_t default_max_connections = 10000;

/// Request body bytes an http_server reads unless told otherwise.
inline constexpr std::size_t default_max_body = 64 * 1024;

/// Accepts connections on one endpoint and runs the handler for every request. Owned by its
/// component; runs on that component's executor.
class http_server {
 public:
  http_server(asio::any_io_executor ex, http_handler handler);
  ~http_server();

  /// Binds and listens; returns the bound port (useful with port 0).
  result<std::uint16_t> listen(const std::string& address, std::uint16_t port);
  /// Hands CONNECT requests to `handler` (tunnels, HTTPS proxying). Without one, CONNECT goes to
  /// the request handler like any request.
  void on_connect(connect_handler handler);
  /// Connections served at once (default default_max_connections); past it, or past three quarters
  /// of the process's descriptor limit, new connections are closed at accept and counted in
  /// `refused` (when given; it must outlive the server).
  void set_connection_limit(std::size_t max_connections, metric* refused = nullptr);
  /// Request bodies up to `max_bytes` (default default_max_body) reach the handler; a longer one
  /// is answered 413 without being read into memory and counted in `oversized` (when given; it
  /// must outlive the server).
  void set_body_limit(std::size_t max_bytes, metric* oversized = nullptr);
  /// Serves HTTPS: every connection completes a TLS handshake with `ctx` within
  /// `handshake_timeout`, then `admit` (when set) must accept it; a refused or failed connection
  /// is closed and counted in `refused` (when given; it must outlive the server). CONNECT is not
  /// served over TLS. `ctx` must outlive the server.
  void use_tls(asio::ssl::context& ctx, tls_admission admit, std::chrono::milliseconds handshake_timeout,
               metric* refused = nullptr);
  /// Starts accepting (detached); stop() ends it.
  void start();
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace df::net
