#pragma once
// Fetches pieces from parents' upload servers over pooled keep-alive connections.

#include "core/byte_buffer.hpp"
#include "core/strong_int.hpp"
#include "net/asio.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace df::net {
class http_connection;
class token_bucket;
class tls_identity;
struct tls_options;
}  // namespace df::net

namespace df::daemon {

/// Keeps idle connections per parent address and fetches one piece per call. Owned by the daemon;
/// shared by every task; single-threaded on the daemon's executor.
class piece_client {
 public:
  explicit piece_client(net::token_bucket& download_limit);
  ~piece_client();

  /// Speaks TLS to parents (security.mode tls/mtls): presents this host's certificate and accepts
  /// only a parent whose certificate is a daemon's (peer or seed peer) under the cluster CA.
  void use_tls(net::tls_identity& tls);

  /// GET /v1/tasks/<task_id>/pieces/<n> from ip:port; the body must be exactly `length` bytes.
  /// The caller verifies the bytes; this only transports them.
  net::awaitable<result<byte_buffer>> fetch(const std::string& ip, std::uint16_t port,
                                                       const std::string& task_id, piece_index piece,
                                                       std::uint64_t length, std::chrono::milliseconds timeout,
                                                       net::token_bucket* task_limit = nullptr);

 private:
  net::token_bucket& download_limit_;
  std::unique_ptr<net::tls_options> tls_;  // null: plain TCP
  std::map<std::string, std::vector<std::unique_ptr<net::http_connection>>> idle_;
};

}  // namespace df::daemon
