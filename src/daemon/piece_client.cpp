#include "daemon/piece_client.hpp"

#include "net/http_client.hpp"
#include "net/tls_identity.hpp"
#include "net/token_bucket.hpp"

#include <fmt/format.h>

namespace df::daemon {

namespace {
constexpr std::size_t peer_read_chunk = 4 << 20;
constexpr std::size_t max_idle_per_parent = 8;
}  // namespace

piece_client::piece_client(net::token_bucket& download_limit) : download_limit_(download_limit) {}
piece_client::~piece_client() = default;

void piece_client::use_tls(net::tls_identity& tls) {
  tls_ = std::make_unique<net::tls_options>();
  tls_->enabled = true;
  tls_->cluster_context = &tls.client();
  tls_->check_peer = [](ssl_st* ssl) {
    const auto id = net::peer_identity(ssl);
    return id && (id->role == net::cluster_role::peer || id->role == net::cluster_role::seed_peer);
  };
}

net::awaitable<result<byte_buffer>> piece_client::fetch(const std::string& ip, std::uint16_t port,
                                                                   const std::string& task_id, piece_index piece,
                                                                   std::uint64_t length,
                                                                   std::chrono::milliseconds timeout,
                                                                   net::token_bucket* task_limit) {
  const std::string key = fmt::format("{}:{}", ip, port);
  std::unique_ptr<net::http_connection> conn;
  if (auto& idle = idle_[key]; !idle.empty()) {
    conn = std::move(idle.back());
    idle.pop_back();
  } else {
    static const net::tls_options plain;
    auto c = co_await net::http_connection::connect(ip, port, timeout, tls_ ? *tls_ : plain);
    if (!c) co_return c.error();
    conn = std::move(*c);
  }
  const std::string target = fmt::format("/v1/tasks/{}/pieces/{}", task_id, piece.value());
  const std::string method = "GET";
  const net::header_map no_headers;
  auto head = co_await conn->request(method, target, key, no_headers, timeout);
  if (!head) co_return head.error();
  if (head->status != 200) co_return make_error_code(head->status == 404 ? errc::not_found : errc::malformed_message);
  if (head->content_length != length) co_return make_error_code(errc::malformed_message);

  byte_buffer data(length);
  std::size_t filled = 0;
  while (filled < length) {
    const std::size_t want = std::min<std::size_t>(peer_read_chunk, length - filled);  // bounds rate-limit bursts
    const std::span<std::byte> into(data.data() + filled, want);
    auto n = co_await conn->read_body(into, timeout);
    if (!n) co_return n.error();
    if (*n == 0) co_return make_error_code(errc::malformed_message);
    co_await download_limit_.acquire(*n);
    if (task_limit) co_await task_limit->acquire(*n);
    filled += *n;
  }
  // Reading the (empty) rest completes the parser so the connection can be reused.
  std::array<std::byte, 1> tail{};
  auto end = co_await conn->read_body(tail, timeout);
  if (end && *end == 0 && conn->reusable()) {
    auto& idle = idle_[key];
    if (idle.size() < max_idle_per_parent) idle.push_back(std::move(conn));
  }
  co_return data;
}

}  // namespace df::daemon
