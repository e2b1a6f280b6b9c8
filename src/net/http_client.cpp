#include "net/http_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace df::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct http_connection::impl {
  explicit impl(asio::any_io_executor ex) : stream(ex) {}
  beast::tcp_stream stream;
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
                                                                            std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  const std::string service = std::to_string(port);
  auto [ec, endpoints] = co_await resolver.async_resolve(host, service, use_nothrow);
  if (ec) co_return ec;
  auto p = std::make_unique<impl>(ex);
  p->stream.expires_after(timeout);
  auto [ec2, ep] = co_await p->stream.async_connect(endpoints, use_nothrow);
  if (ec2) co_return ec2;
  p->stream.socket().set_option(tcp::no_delay(true));
  co_return std::unique_ptr<http_connection>(new http_connection(std::move(p)));
}

awaitable<result<http_response_head>> http_connection::request(const std::string& method, const std::string& target,
                                                               const std::string& host_header,
                                                               const header_map& headers,
                                                               std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  http::request<http::empty_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "dragonfly-cpp/0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
  s.stream.expires_after(timeout);
  auto [ec, n] = co_await http::async_write(s.stream, req, use_nothrow);
  if (ec) co_return ec;

  s.parser.emplace();
  s.parser->body_limit(boost::none);
  s.parser->header_limit(64 * 1024);
  if (method == "HEAD") s.parser->skip(true);
  auto [ec2, n2] = co_await http::async_read_header(s.stream, s.buffer, *s.parser, use_nothrow);
  if (ec2) co_return ec2;
  const auto& res = s.parser->get();
  http_response_head head;
  head.status = static_cast<int>(res.result_int());
  head.reason = std::string(res.reason());
  for (const auto& field : res) {
    auto [it, inserted] = head.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  if (const auto len = s.parser->content_length()) head.content_length = *len;
  s.keep_alive = res.keep_alive();
  s.direct = head.content_length.has_value() && !s.parser->chunked() && !s.parser->is_done();
  s.remaining = s.direct ? *head.content_length : 0;
  co_return head;
}

awaitable<result<std::size_t>> http_connection::read_body(std::span<std::byte> out, std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  if (s.direct) {
    if (s.remaining == 0 || out.empty()) co_return std::size_t{0};
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), s.remaining));
    std::size_t got = 0;
    if (s.buffer.size() > 0) {
      got = asio::buffer_copy(asio::buffer(out.data(), want), s.buffer.data());
      s.buffer.consume(got);
    } else {
      s.stream.expires_after(timeout);
      auto [ec, n] = co_await s.stream.async_read_some(asio::buffer(out.data(), want), use_nothrow);
      if (ec) {
        s.keep_alive = false;
        s.remaining = 0;
        co_return ec == asio::error::eof ? make_error_code(errc::origin_short_body) : ec;
      }
      got = n;
    }
    s.remaining -= got;
    co_return got;
  }
  if (!s.parser || s.parser->is_done()) co_return std::size_t{0};
  std::size_t total = 0;
  // Loop until some bytes arrive: a read may complete having parsed only chunk framing.
  while (total == 0 && !s.parser->is_done()) {
    auto& body = s.parser->get().body();
    body.data = out.data();
    body.size = out.size();
    s.stream.expires_after(timeout);
    auto [ec, n] = co_await http::async_read(s.stream, s.buffer, *s.parser, use_nothrow);
    total = out.size() - body.size;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::partial_message || ec == asio::error::eof || ec == http::error::end_of_stream) {
      s.keep_alive = false;
      co_return make_error_code(errc::origin_short_body);
    }
    if (ec) {
      s.keep_alive = false;
      co_return ec;
    }
  }
  co_return total;
}

bool http_connection::reusable() const {
  const bool body_done = impl_->direct ? impl_->remaining == 0 : (impl_->parser && impl_->parser->is_done());
  return impl_->keep_alive && body_done && impl_->buffer.size() == 0 && impl_->stream.socket().is_open();
}

}  // namespace df::net
