#pragma once
// An HTTP/1.1 client connection that reads response bodies in caller-sized chunks (never whole
// blobs in memory). Used for back-to-source and for fetching pieces from parents.

#include "net/asio.hpp"
#include "net/http_types.hpp"

#include <boost/asio/ip/address.hpp>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace df::net {

/// How to secure a connection: plain TCP, or TLS checked against the system CAs (plus `ca_file`),
/// or TLS without checking the certificate (an explicit, per-host operator choice).
struct tls_options {
  bool enabled = false;
  bool verify = true;
  std::string ca_file;  // extra PEM bundle to trust; empty = system CAs only
  // Addresses the host name resolves to that must not be connected to (true = refuse); when
  // every address is refused, connect fails with errc::not_permitted. Empty = all allowed.
  std::function<bool(const boost::asio::ip::address&)> refuse;
  // Between daemons (security.mode tls/mtls): this context (the cluster CA, our certificate)
  // instead of the system CAs and no host-name check; `check_peer` decides on the certificate
  // the other end presented (false: connect fails with errc::not_permitted). Outlives connections.
  boost::asio::ssl::context* cluster_context = nullptr;
  std::function<bool(ssl_st*)> check_peer;
};

/// One connection to host:port, reusable for several requests when the server keeps it alive.
/// Owned by one coroutine at a time.
class http_connection {
 public:
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  /// Resolves and connects within `timeout` (and, with TLS, completes the handshake, checking the
  /// certificate against `host` unless verification is off).
  static awaitable<result<std::unique_ptr<http_connection>>> connect(const std::string& host, std::uint16_t port,
                                                                     std::chrono::milliseconds timeout,
                                                                     const tls_options& tls);
  /// A plain TCP connection. (No defaulted tls argument: GCC 12 mishandles a temporary built for
  /// a default argument inside co_await.)
  static awaitable<result<std::unique_ptr<http_connection>>> connect(const std::string& host, std::uint16_t port,
                                                                     std::chrono::milliseconds timeout);

  /// Sends a request and reads the response head. `host_header` goes into Host.
  awaitable<result<http_response_head>> request(const std::string& method, const std::string& target,
                                                const std::string& host_header, const header_map& headers,
                                                std::chrono::milliseconds timeout);
  /// Reads up to out.size() body bytes; 0 means the body is complete. A connection that closes
  /// before Content-Length bytes gives errc::origin_short_body.
  awaitable<result<std::size_t>> read_body(std::span<std::byte> out, std::chrono::milliseconds timeout);
  /// True when the last response was read completely and the server keeps the connection open.
  bool reusable() const;

 private:
  struct impl;
  template <class Stream>
  struct stream_impl;
  explicit http_connection(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace df::net
