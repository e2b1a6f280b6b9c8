#pragma once
// The response_writer over a Beast stream: plain TCP (the HTTP server) or TLS (the HTTPS proxy's
// hijacked connections). Included only by the few .cpp files that already compile Beast.

#include "net/http_server.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <type_traits>
#include <vector>

namespace df::net {

/// Writes one response on `Stream` (beast::tcp_stream, or an ssl_stream over one). Owned by the
/// connection's coroutine for one request.
template <class Stream>
class stream_response_writer final : public response_writer {
 public:
  static constexpr auto write_timeout = std::chrono::seconds(60);

  stream_response_writer(Stream& stream, unsigned version, bool keep_alive, bool head_only)
      : stream_(stream), version_(version), keep_alive_(keep_alive), head_only_(head_only) {}

  awaitable<result<void>> write_head(int status, const header_map& headers, std::uint64_t content_length) override {
    boost::beast::http::response<boost::beast::http::empty_body> res{static_cast<boost::beast::http::status>(status),
                                                                     version_};
    res.set(boost::beast::http::field::server, "dragonfly-cpp");
    for (const auto& [name, value] : headers) res.set(name, value);
    res.content_length(content_length);
    res.keep_alive(keep_alive_);
    body_left_ = head_only_ ? 0 : content_length;
    co_return co_await send_head(res);
  }

  awaitable<result<void>> write_head_until_close(int status, const header_map& headers) override {
    boost::beast::http::response<boost::beast::http::empty_body> res{static_cast<boost::beast::http::status>(status),
                                                                     version_};
    res.set(boost::beast::http::field::server, "dragonfly-cpp");
    for (const auto& [name, value] : headers) res.set(name, value);
    keep_alive_ = false;
    res.keep_alive(false);
    close_delimited_ = !head_only_;
    co_return co_await send_head(res);
  }

  awaitable<result<void>> write_body(std::span<const std::byte> bytes) override {
    if (head_only_ || bytes.empty()) co_return result<void>{};
    tcp().expires_after(write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), use_nothrow);
    if (ec) co_return ec;
    body_left_ -= std::min<std::uint64_t>(body_left_, n);
    co_return result<void>{};
  }

  /// Plain TCP: sendfile(2), no copy through user space. TLS: read and encrypted in chunks.
  awaitable<result<void>> write_file(int fd, std::uint64_t offset, std::uint64_t length) override {
    if (head_only_) co_return result<void>{};
    if constexpr (std::is_same_v<Stream, boost::beast::tcp_stream>) {
      co_return co_await send_file(fd, offset, length);
    } else {
      constexpr std::uint64_t chunk_size = 256 * 1024;
      std::vector<std::byte> chunk(static_cast<std::size_t>(std::min(length, chunk_size)));
      while (length > 0) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, chunk.size()));
        const ssize_t got = ::pread(fd, chunk.data(), want, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) co_return make_error_code(errc::storage_io);  // shorter than promised, or unreadable
        const auto n = static_cast<std::size_t>(got);
        auto sent = co_await write_body(std::span<const std::byte>(chunk.data(), n));
        if (!sent) co_return sent;
        offset += n;
        length -= n;
      }
      co_return result<void>{};
    }
  }

  bool head_written() const { return head_written_; }
  /// The connection can carry another request: the head went out and the body is complete.
  bool reusable() const { return head_written_ && keep_alive_ && !close_delimited_ && body_left_ == 0; }

 private:
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

  awaitable<result<void>> send_file(int fd, std::uint64_t offset, std::uint64_t length) {
    auto& sock = tcp().socket();
    boost::system::error_code ec;
    sock.non_blocking(true, ec);
    if (ec) co_return ec;
    auto off = static_cast<off_t>(offset);
    while (length > 0) {
      const ssize_t sent = ::sendfile(sock.native_handle(), fd, &off, static_cast<std::size_t>(length));
      if (sent > 0) {
        length -= static_cast<std::uint64_t>(sent);
        body_left_ -= std::min<std::uint64_t>(body_left_, static_cast<std::uint64_t>(sent));
        continue;
      }
      if (sent == 0) co_return make_error_code(errc::storage_io);  // the file is shorter than promised
      if (errno == EINTR) continue;
      if (errno != EAGAIN) co_return boost::system::error_code(errno, boost::system::system_category());
      // The socket buffer is full: wait until it drains, at most write_timeout.
      asio::steady_timer guard(sock.get_executor(), write_timeout);
      guard.async_wait([&sock](boost::system::error_code e) {
        if (!e) sock.cancel();
      });
      auto [wait_ec] = co_await sock.async_wait(asio::ip::tcp::socket::wait_write, use_nothrow);
      if (wait_ec) co_return wait_ec;
    }
    co_return result<void>{};
  }

  awaitable<result<void>> send_head(boost::beast::http::response<boost::beast::http::empty_body>& res) {
    boost::beast::http::response_serializer<boost::beast::http::empty_body> sr{res};
    tcp().expires_after(write_timeout);
    auto [ec, n] = co_await boost::beast::http::async_write_header(stream_, sr, use_nothrow);
    head_written_ = true;
    if (ec) co_return ec;
    co_return result<void>{};
  }

  Stream& stream_;
  unsigned version_;
  bool keep_alive_;
  bool head_only_;
  bool head_written_ = false;
  bool close_delimited_ = false;
  std::uint64_t body_left_ = 0;
};

}  // namespace df::net
