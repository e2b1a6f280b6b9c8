#include "net/http_client.hpp"

#include "net/bounded_resolve.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace df::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// One TLS context per trust setting, shared by every connection that uses it (loading the system
// CA store is expensive).
result<std::shared_ptr<ssl::context>> context_for(const tls_options& tls) {
  static std::mutex mutex;
  static std::map<std::pair<bool, std::string>, std::shared_ptr<ssl::context>> contexts;
  std::lock_guard lock(mutex);
  const auto key = std::pair{tls.verify, tls.ca_file};
  if (const auto it = contexts.find(key); it != contexts.end()) return it->second;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3, ec);
  if (tls.verify) {
    ctx->set_default_verify_paths(ec);
    if (ec) return ec;
    if (!tls.ca_file.empty()) {
      ctx->load_verify_file(tls.ca_file, ec);
      if (ec) return make_error_code(errc::invalid_argument);
    }
    ctx->set_verify_mode(ssl::verify_peer, ec);
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  contexts.emplace(key, ctx);
  return ctx;
}

}  // namespace

/// The stream-independent face of a connection.
struct http_connection::impl {
  virtual ~impl() = default;
  virtual awaitable<result<http_response_head>> request(const std::string& method, const std::string& target,
                                                        const std::string& host_header, const header_map& headers,
                                                        std::chrono::milliseconds timeout) = 0;
  virtual awaitable<result<std::size_t>> read_body(std::span<std::byte> out, std::chrono::milliseconds timeout) = 0;
  virtual bool reusable() const = 0;
};

/// A connection over `Stream`: a plain beast::tcp_stream or TLS on top of one.
template <class Stream>
struct http_connection::stream_impl : http_connection::impl {
  template <class... Args>
  explicit stream_impl(Args&&... args) : stream(std::forward<Args>(args)...) {}

  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream); }
  const beast::tcp_stream& tcp() const { return beast::get_lowest_layer(stream); }

  awaitable<result<http_response_head>> request(const std::string& method, const std::string& target,
                                                const std::string& host_header, const header_map& headers,
                                                std::chrono::milliseconds timeout) override {
    http::request<http::empty_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "dragonfly-cpp/0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.keep_alive(true);
    tcp().expires_after(timeout);
    auto [ec, n] = co_await http::async_write(stream, req, use_nothrow);
    if (ec) co_return ec;

    parser.emplace();
    parser->body_limit(boost::none);
    parser->header_limit(64 * 1024);
    if (method == "HEAD") parser->skip(true);
    auto [ec2, n2] = co_await http::async_read_header(stream, buffer, *parser, use_nothrow);
    if (ec2) co_return ec2;
    const auto& res = parser->get();
    http_response_head head;
    head.status = static_cast<int>(res.result_int());
    head.reason = std::string(res.reason());
    for (const auto& field : res) {
      auto [it, inserted] = head.headers.emplace(std::string(field.name_string()), std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    if (const auto len = parser->content_length()) head.content_length = *len;
    keep_alive = res.keep_alive();
    direct = head.content_length.has_value() && !parser->chunked() && !parser->is_done();
    remaining = direct ? *head.content_length : 0;
    co_return head;
  }

  awaitable<result<std::size_t>> read_body(std::span<std::byte> out, std::chrono::milliseconds timeout) override {
    if (direct) {
      if (remaining == 0 || out.empty()) co_return std::size_t{0};
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining));
      std::size_t got = 0;
      if (buffer.size() > 0) {
        got = asio::buffer_copy(asio::buffer(out.data(), want), buffer.data());
        buffer.consume(got);
      } else {
        tcp().expires_after(timeout);
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(out.data(), want), use_nothrow);
        if (ec) {
          keep_alive = false;
          remaining = 0;
          co_return closed_early(ec) ? make_error_code(errc::origin_short_body) : ec;
        }
        got = n;
      }
      remaining -= got;
      co_return got;
    }
    if (!parser || parser->is_done()) co_return std::size_t{0};
    std::size_t total = 0;
    // Loop until some bytes arrive: a read may complete having parsed only chunk framing.
    while (total == 0 && !parser->is_done()) {
      auto& body = parser->get().body();
      body.data = out.data();
      body.size = out.size();
      tcp().expires_after(timeout);
      auto [ec, n] = co_await http::async_read(stream, buffer, *parser, use_nothrow);
      total = out.size() - body.size;
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::partial_message || ec == http::error::end_of_stream || closed_early(ec)) {
        keep_alive = false;
        co_return make_error_code(errc::origin_short_body);
      }
      if (ec) {
        keep_alive = false;
        co_return ec;
      }
    }
    co_return total;
  }

  bool reusable() const override {
    const bool body_done = direct ? remaining == 0 : (parser && parser->is_done());
    return keep_alive && body_done && buffer.size() == 0 && tcp().socket().is_open();
  }

  // A peer that closes mid-body: EOF on TCP, a truncated stream (no close_notify) on TLS.
  static bool closed_early(const boost::system::error_code& ec) {
    return ec == asio::error::eof || ec == ssl::error::stream_truncated;
  }

  Stream stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  bool keep_alive = false;
  // Bodies with a Content-Length bypass the parser: bytes left in `buffer` after the head are
  // handed out first, then the socket is read directly in large reads.
  bool direct = false;
  std::uint64_t remaining = 0;
};

http_connection::http_connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
http_connection::~http_connection() = default;

awaitable<result<std::unique_ptr<http_connection>>> http_connection::connect(const std::string& host, std::uint16_t port,
                                                                            std::chrono::milliseconds timeout,
                                                                            const tls_options& tls) {
  auto ex = co_await asio::this_coro::executor;
  const std::string service = std::to_string(port);
  const auto lookup = co_await resolve_within(host, service, timeout);  // a dead DNS server cannot hold us
  if (lookup.error) co_return lookup.error;
  const auto& resolved = lookup.endpoints;
  // Checked on what the name resolved to, and connected only to that: a name cannot pass the
  // check with one address and be connected to with another.
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : resolved)
    if (!tls.refuse || !tls.refuse(entry.endpoint().address())) endpoints.push_back(entry.endpoint());
  if (endpoints.empty()) co_return errc::not_permitted;
  if (!tls.enabled) {
    auto p = std::make_unique<stream_impl<beast::tcp_stream>>(ex);
    p->stream.expires_after(timeout);
    auto [ec2, ep] = co_await p->stream.async_connect(endpoints, use_nothrow);
    if (ec2) co_return ec2;
    p->stream.socket().set_option(tcp::no_delay(true));
    // (GCC 12: no temporaries with destructors in a co_return expression; name the value.)
    std::unique_ptr<impl> base = std::move(p);
    std::unique_ptr<http_connection> conn(new http_connection(std::move(base)));
    co_return conn;
  }
  // The cluster's context lives as long as the daemon: held without ownership.
  auto ctx = tls.cluster_context ? result<std::shared_ptr<ssl::context>>(std::shared_ptr<ssl::context>(
                                       std::shared_ptr<void>(), tls.cluster_context))
                                 : context_for(tls);
  if (!ctx) co_return ctx.error();
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;
  // The context must outlive the stream: held by a base constructed before it.
  struct context_holder {
    std::shared_ptr<ssl::context> context;
  };
  struct tls_impl final : context_holder, stream_impl<tls_stream> {
    tls_impl(asio::any_io_executor e, std::shared_ptr<ssl::context> c)
        : context_holder{std::move(c)}, stream_impl<tls_stream>(e, *context) {}
  };
  auto p = std::make_unique<tls_impl>(ex, *ctx);
  p->tcp().expires_after(timeout);
  auto [ec2, ep] = co_await p->tcp().async_connect(endpoints, use_nothrow);
  if (ec2) co_return ec2;
  p->tcp().socket().set_option(tcp::no_delay(true));
  if (!::SSL_set_tlsext_host_name(p->stream.native_handle(), host.c_str()))
    co_return boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  if (tls.verify && !tls.cluster_context) p->stream.set_verify_callback(ssl::host_name_verification(host));
  auto [ec3] = co_await p->stream.async_handshake(ssl::stream_base::client, use_nothrow);
  if (ec3) co_return ec3;
  if (tls.check_peer && !tls.check_peer(p->stream.native_handle())) co_return errc::not_permitted;
  std::unique_ptr<impl> base = std::move(p);
  std::unique_ptr<http_connection> conn(new http_connection(std::move(base)));
  co_return conn;
}

awaitable<result<std::unique_ptr<http_connection>>> http_connection::connect(const std::string& host, std::uint16_t port,
                                                                            std::chrono::milliseconds timeout) {
  static const tls_options plain;
  co_return co_await connect(host, port, timeout, plain);
}

awaitable<result<http_response_head>> http_connection::request(const std::string& method, const std::string& target,
                                                               const std::string& host_header,
                                                               const header_map& headers,
                                                               std::chrono::milliseconds timeout) {
  co_return co_await impl_->request(method, target, host_header, headers, timeout);
}

awaitable<result<std::size_t>> http_connection::read_body(std::span<std::byte> out, std::chrono::milliseconds timeout) {
  co_return co_await impl_->read_body(out, timeout);
}

bool http_connection::reusable() const { return impl_->reusable(); }

}  // namespace df::net
