#include "net/http_server.hpp"

#include "net/log_rate_limiter.hpp"
#include "net/stream_response_writer.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>
#include <array>
#include <sys/resource.h>

namespace df::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto idle_timeout = std::chrono::seconds(60);
constexpr auto accept_error_pause = std::chrono::milliseconds(100);

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
    if (!tls_context) {
      beast::tcp_stream stream(std::move(socket));
      co_await session(stream, remote);
      co_return;
    }
    // TLS first: a handshake within the limit, then the admission check on what it proved.
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls_context);
    beast::get_lowest_layer(stream).expires_after(tls_handshake_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_nothrow);
    if (ec || (tls_admit && !tls_admit(stream.native_handle(), remote))) {
      if (tls_refused) tls_refused->add();
      if (log_limiter.allow(std::chrono::steady_clock::now()))
        spdlog::warn("http server on port {}: TLS connection from {} refused: {} ({} more since the last report)",
                     port(), remote, ec ? ec.message() : "its certificate is not admitted",
                     log_limiter.take_suppressed());
      co_return;
    }
    co_await session(stream, remote);
  }

  /// Reads requests and runs the handler on each until the connection ends.
  template <class Stream>
  awaitable<void> session(Stream& stream, const std::string& remote) {
    constexpr bool plain = std::is_same_v<Stream, beast::tcp_stream>;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(max_body);
      tcp_layer.expires_after(idle_timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (ec == http::error::body_limit) {
        co_await refuse_oversized(stream, buffer);
        break;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != beast::error::timeout &&
            ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          // Malformed request: answer 400 once, then close.
          stream_response_writer<Stream> w(stream, 11, false, false);
          const std::string text = "bad request: " + ec.message() + "\n";
          co_await write_simple(w, 400, "text/plain", text);
        }
        break;
      }
      const auto& req = parser.get();
      http_request request{std::string(req.method_string()), std::string(req.target()), {}, remote, req.body()};
      for (const auto& field : req) {
        auto [it, inserted] = request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
        if (!inserted) it->second += ", " + std::string(field.value());
      }
      if constexpr (!plain) request.tls = stream.native_handle();
      if constexpr (plain) {
        if (req.method() == http::verb::connect && connect) {
          std::string early = beast::buffers_to_string(buffer.data());
          tcp::socket socket = stream.release_socket();
          co_await connect(request, std::move(socket), std::move(early));
          co_return;
        }
      }
      const bool keep_alive = req.keep_alive();
      stream_response_writer<Stream> writer(stream, req.version(), keep_alive, req.method() == http::verb::head);
      co_await handler(request, writer);
      if (!keep_alive || !writer.reusable()) break;
    }
    boost::system::error_code ignored;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // A body over the limit: answers 413 (the head alone was read), then reads and drops what the
  // client still sends, a bounded amount for a bounded time, so that it sees the answer rather
  // than a reset.
  template <class Stream>
  awaitable<void> refuse_oversized(Stream& stream, beast::flat_buffer& buffer) {
    if (oversized_bodies) oversized_bodies->add();
    stream_response_writer<Stream> w(stream, 11, false, false);
    const std::string text = "request body over " + std::to_string(max_body) + " bytes\n";
    co_await write_simple(w, 413, "text/plain", text);
    boost::system::error_code ignored;
    auto& tcp_layer = beast::get_lowest_layer(stream);
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer.consume(buffer.size());
    tcp_layer.expires_after(std::chrono::seconds(2));
    std::array<char, 16 * 1024> sink;
    for (std::size_t drained = 0; drained < 4 * max_body + (1 << 20);) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_nothrow);
      if (ec) break;
      drained += n;
    }
  }

  asio::any_io_executor ex;
  tcp::acceptor acceptor;
  http_handler handler;
  connect_handler connect;
  std::size_t connections = 0;  // open now
  std::size_t max_connections = default_max_connections;
  metric* refused_connections = nullptr;
  std::size_t max_body = default_max_body;
  metric* oversized_bodies = nullptr;
  asio::ssl::context* tls_context = nullptr;  // null: plain HTTP
  tls_admission tls_admit;
  std::chrono::milliseconds tls_handshake_timeout{10000};
  metric* tls_refused = nullptr;
  log_rate_limiter log_limiter{std::chrono::seconds(5)};
};

http_server::http_server(asio::any_io_executor ex, http_handler handler)
    : impl_(std::make_shared<impl>(ex, std::move(handler))) {}

http_server::~http_server() { stop(); }

void http_server::set_connection_limit(std::size_t max_connections, metric* refused) {
  impl_->max_connections = max_connections;
  impl_->refused_connections = refused;
}

void http_server::set_body_limit(std::size_t max_bytes, metric* oversized) {
  impl_->max_body = max_bytes;
  impl_->oversized_bodies = oversized;
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

void http_server::on_connect(connect_handler handler) { impl_->connect = std::move(handler); }

void http_server::use_tls(asio::ssl::context& ctx, tls_admission admit, std::chrono::milliseconds handshake_timeout,
                          metric* refused) {
  impl_->tls_context = &ctx;
  impl_->tls_admit = std::move(admit);
  impl_->tls_handshake_timeout = handshake_timeout;
  impl_->tls_refused = refused;
}

void http_server::start() {
  asio::co_spawn(impl_->ex, [self = impl_] { return self->accept_loop(); }, asio::detached);
}

void http_server::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace df::net
