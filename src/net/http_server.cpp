#include "net/http_server.hpp"

#include "net/log_rate_limiter.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/sendfile.h>

namespace df::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);
constexpr auto accept_error_pause = std::chrono::milliseconds(100);
constexpr auto write_timeout = std::chrono::seconds(60);

class beast_writer final : public response_writer {
 public:
  beast_writer(beast::tcp_stream& stream, unsigned version, bool keep_alive, bool head_only)
      : stream_(stream), version_(version), keep_alive_(keep_alive), head_only_(head_only) {}

  awaitable<result<void>> write_head(int status, const header_map& headers, std::uint64_t content_length) override {
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "dragonfly-cpp");
    for (const auto& [name, value] : headers) res.set(name, value);
    res.content_length(content_length);
    res.keep_alive(keep_alive_);
    body_left_ = head_only_ ? 0 : content_length;
    co_return co_await send_head(res);
  }

  awaitable<result<void>> write_head_until_close(int status, const header_map& headers) override {
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "dragonfly-cpp");
    for (const auto& [name, value] : headers) res.set(name, value);
    keep_alive_ = false;
    res.keep_alive(false);
    close_delimited_ = !head_only_;
    co_return co_await send_head(res);
  }

  awaitable<result<void>> write_body(std::span<const std::byte> bytes) override {
    if (head_only_ || bytes.empty()) co_return result<void>{};
    stream_.expires_after(write_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), use_nothrow);
    if (ec) co_return ec;
    body_left_ -= std::min<std::uint64_t>(body_left_, n);
    co_return result<void>{};
  }

  awaitable<result<void>> write_file(int fd, std::uint64_t offset, std::uint64_t length) override {
    if (head_only_) co_return result<void>{};
    auto& sock = stream_.socket();
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
      asio::steady_timer guard(stream_.get_executor(), write_timeout);
      guard.async_wait([&sock](boost::system::error_code e) {
        if (!e) sock.cancel();
      });
      auto [wait_ec] = co_await sock.async_wait(tcp::socket::wait_write, use_nothrow);
      if (wait_ec) co_return wait_ec;
    }
    co_return result<void>{};
  }

  bool head_written() const { return head_written_; }
  /// The connection can carry another request: the head went out and the body is complete.
  bool reusable() const { return head_written_ && keep_alive_ && !close_delimited_ && body_left_ == 0; }

 private:
  awaitable<result<void>> send_head(http::response<http::empty_body>& res) {
    http::response_serializer<http::empty_body> sr{res};
    stream_.expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream_, sr, use_nothrow);
    head_written_ = true;
    if (ec) co_return ec;
    co_return result<void>{};
  }

  beast::tcp_stream& stream_;
  unsigned version_;
  bool keep_alive_;
  bool head_only_;
  bool head_written_ = false;
  bool close_delimited_ = false;
  std::uint64_t body_left_ = 0;
};

}  // namespace

awaitable<result<void>> write_simple(response_writer& w, int status, std::string_view content_type,
                                     std::string_view body) {
  header_map headers;
  headers["Content-Type"] = std::string(content_type);
  auto head = co_await w.write_head(status, headers, body.size());
  if (!head) co_return head;
  const auto bytes = std::as_bytes(std::span(body.data(), body.size()));
  co_return co_await w.write_body(bytes);
}

struct http_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::any_io_executor e, http_handler h) : ex(e), acceptor(e), handler(std::move(h)) {}

  awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
      if (ec == asio::error::operation_aborted) break;
      if (ec) {
        // Out of file descriptors (or similar): the error repeats at once, so pause rather than
        // spin, and say so at most once per interval.
        if (log_limiter.allow(std::chrono::steady_clock::now()))
          spdlog::warn("http server on port {}: accept failed: {}; pausing ({} more since the last report)",
                       port(), ec.message(), log_limiter.take_suppressed());
        asio::steady_timer pause(ex, accept_error_pause);
        co_await pause.async_wait(use_nothrow);
        continue;
      }
      if (connections >= connection_limit()) {
        // Leaves descriptors for the rest of the process (data files, parents, the local API).
        if (refused_connections) refused_connections->add();
        if (log_limiter.allow(std::chrono::steady_clock::now()))
          spdlog::warn("http server on port {}: {} connections open, refusing more ({} more since the last report)",
                       port(), connections, log_limiter.take_suppressed());
        continue;  // the socket closes here
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ex, serve(std::move(socket)), asio::detached);
    }
  }

  std::uint16_t port() const {
    boost::system::error_code ignored;
    return acceptor.local_endpoint(ignored).port();
  }

  // The configured limit, and never more than three quarters of the descriptors this process
  // may open now (read each time: the limit can change while the process runs).
  std::size_t connection_limit() const {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return max_connections;
    return std::min<std::size_t>(max_connections, static_cast<std::size_t>(lim.rlim_cur) / 4 * 3);
  }

  awaitable<void> serve(tcp::socket socket) {
    auto self = shared_from_this();
    ++connections;
    const struct count_down {
      std::size_t& n;
      ~count_down() { --n; }
    } counted{connections};
    boost::system::error_code ignored;
    const std::string remote = socket.remote_endpoint(ignored).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      stream.expires_after(idle_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != beast::error::timeout &&
            ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          // Malformed request: answer 400 once, then close.
          beast_writer w(stream, 11, false, false);
          const std::string text = "bad request: " + ec.message() + "\n";
          co_await write_simple(w, 400, "text/plain", text);
        }
        break;
      }
      const auto& req = parser.get();
      if (req.method() == http::verb::connect && tunnel) {
        const std::string authority(req.target());
        co_await open_tunnel(authority, stream, buffer);
        co_return;
      }
      http_request request{std::string(req.method_string()), std::string(req.target()), {}, remote};
      for (const auto& field : req) {
        auto [it, inserted] = request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
        if (!inserted) it->second += ", " + std::string(field.value());
      }
      const bool keep_alive = req.keep_alive();
      beast_writer writer(stream, req.version(), keep_alive, req.method() == http::verb::head);
      co_await handler(request, writer);
      if (!keep_alive || !writer.reusable()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // CONNECT: checks the policy, connects, answers 200 and relays bytes both ways until both sides
  // are done. Bytes the client sent after its request head go upstream first.
  awaitable<void> open_tunnel(const std::string& authority, beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    const auto refuse = [&](int status, const std::string& why) -> awaitable<void> {
      beast_writer w(stream, 11, false, false);
      header_map headers;
      headers["Content-Type"] = "text/plain";
      headers["X-Dragonfly-Error-Type"] = "proxy";
      const std::string body = why + "\n";
      auto head = co_await w.write_head(status, headers, body.size());
      if (head) co_await w.write_body(std::as_bytes(std::span(body.data(), body.size())));
    };
    const auto colon = authority.rfind(':');
    unsigned long port = 0;
    std::string host = authority.substr(0, colon == std::string::npos ? 0 : colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    try {
      if (colon != std::string::npos) port = std::stoul(authority.substr(colon + 1));
    } catch (const std::exception&) {
      port = 0;
    }
    if (host.empty() || port == 0 || port > 65535) {
      const std::string why = "CONNECT needs host:port, got '" + authority + "'";
      co_await refuse(400, why);
      co_return;
    }
    if (const std::string why = tunnel(host, static_cast<std::uint16_t>(port)); !why.empty()) {
      co_await refuse(403, why);
      co_return;
    }
    tcp::resolver resolver(ex);
    const std::string service = std::to_string(port);
    auto [rec, endpoints] = co_await resolver.async_resolve(host, service, use_nothrow);
    beast::tcp_stream upstream(ex);
    upstream.expires_after(std::chrono::seconds(10));
    boost::system::error_code cec = rec;
    if (!cec) {
      auto [ec, ep] = co_await upstream.async_connect(endpoints, use_nothrow);
      cec = ec;
    }
    if (cec) {
      const std::string why = "cannot connect to " + authority + ": " + cec.message();
      co_await refuse(502, why);
      co_return;
    }
    upstream.expires_never();
    stream.expires_never();
    const std::string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(established), use_nothrow);
    if (wec) co_return;
    if (buffer.size() > 0) {
      auto [fec, fn] = co_await asio::async_write(upstream, buffer.data(), use_nothrow);
      if (fec) co_return;
      buffer.consume(buffer.size());
    }
    struct pair {
      tcp::socket client, server;
    };
    auto sockets = std::make_shared<pair>(pair{stream.release_socket(), upstream.release_socket()});
    const auto relay = [](std::shared_ptr<pair> p, bool upward) -> awaitable<void> {
      tcp::socket& from = upward ? p->client : p->server;
      tcp::socket& to = upward ? p->server : p->client;
      std::vector<char> chunk(64 * 1024);
      for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(chunk), use_nothrow);
        if (ec) {
          boost::system::error_code ignored;
          if (ec == asio::error::eof) {
            to.shutdown(tcp::socket::shutdown_send, ignored);  // half-close: the other way goes on
          } else {
            from.close(ignored);
            to.close(ignored);
          }
          co_return;
        }
        auto [wec2, m] = co_await asio::async_write(to, asio::buffer(chunk.data(), n), use_nothrow);
        if (wec2) {
          boost::system::error_code ignored;
          from.close(ignored);
          to.close(ignored);
          co_return;
        }
      }
    };
    asio::co_spawn(ex, relay(sockets, true), asio::detached);
    asio::co_spawn(ex, relay(sockets, false), asio::detached);
  }

  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  http_handler handler;
  tunnel_policy tunnel;
  std::size_t connections = 0;  // open now
  std::size_t max_connections = default_max_connections;
  metric* refused_connections = nullptr;
  log_rate_limiter log_limiter{std::chrono::seconds(5)};
};

http_server::http_server(asio::any_io_executor ex, http_handler handler)
    : impl_(std::make_shared<impl>(ex, std::move(handler))) {}

http_server::~http_server() { stop(); }

void http_server::set_connection_limit(std::size_t max_connections, metric* refused) {
  impl_->max_connections = max_connections;
  impl_->refused_connections = refused;
}

result<std::uint16_t> http_server::listen(const std::string& address, std::uint16_t port) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) return errc::invalid_argument;
  const tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  return impl_->acceptor.local_endpoint().port();
}

void http_server::enable_tunnel(tunnel_policy policy) { impl_->tunnel = std::move(policy); }

void http_server::start() {
  asio::co_spawn(impl_->ex, [self = impl_] { return self->accept_loop(); }, asio::detached);
}

void http_server::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace df::net
