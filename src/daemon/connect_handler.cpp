#include "daemon/connect_handler.hpp"

#include "daemon/context.hpp"
#include "daemon/origin_policy.hpp"
#include "net/bounded_resolve.hpp"
#include "net/stream_response_writer.hpp"
#include "net/tunnel.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace df::daemon {

namespace asio = net::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using net::awaitable;
using net::use_nothrow;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr auto answer_timeout = std::chrono::seconds(10);  // writing a refusal or the 200
constexpr std::uint64_t max_inner_body = 64 * 1024;         // a GET's body inside a hijack (as on the plain port)

// A whole response head (and short text body) written on the raw connection before any tunnel or
// TLS: the CONNECT's refusals and its 200.
awaitable<bool> answer(beast::tcp_stream& stream, int status, std::string_view reason, std::string_view text,
                       std::string_view extra_headers = {}) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", status, reason);
  if (status != 200) {
    const std::string body = std::string(text) + "\n";
    out += fmt::format("Content-Type: text/plain\r\nX-Dragonfly-Error-Type: proxy\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n{}\r\n{}",
                       body.size(), extra_headers, body);
  } else {
    out += "\r\n";
  }
  stream.expires_after(answer_timeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), use_nothrow);
  co_return !ec;
}

// A server context presenting `leaf`: TLS 1.2 or later, no ALPN (so clients speak HTTP/1.1).
result<std::shared_ptr<ssl::context>> server_context(const net::leaf_certificate& leaf) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (ec || SSL_CTX_use_certificate(ctx->native_handle(), leaf.cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx->native_handle(), leaf.key.get()) != 1)
    return errc::invalid_argument;
  return ctx;
}

// The errors that end a hijacked connection normally: the client is done, or went quiet.
bool normal_end(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == ssl::error::stream_truncated;
}

// Reads the requests inside a hijacked connection and hands each to `inner` (as an https URL at the
// CONNECT's target); malformed or refused ones are counted in `bad_requests`.
awaitable<void> serve_requests(tls_stream& tls, const connect_target& target, const std::string& remote,
                               const net::http_handler& inner, std::chrono::milliseconds idle,
                               net::metric& bad_requests) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(boost::none);  // the method decides first; the body's limit is set below
    beast::get_lowest_layer(tls).expires_after(idle);
    auto [ec, n] = co_await http::async_read_header(tls, buffer, parser, use_nothrow);
    if (ec && normal_end(ec)) co_return;
    // What the proxy serves is read-only (GET, HEAD, for a path at the CONNECT's host): a request
    // with a body (a push) would reach the registry without it, so it is refused up front.
    const auto method = ec ? http::verb::unknown : parser.get().method();
    const bool readable = method == http::verb::get || method == http::verb::head;
    if (!ec && readable && parser.content_length().value_or(0) > max_inner_body) ec = http::error::body_limit;
    parser.body_limit(max_inner_body);
    if (ec || !readable || !parser.get().target().starts_with("/")) {
      bad_requests.add();
      net::stream_response_writer<tls_stream> w(tls, 11, false, false);
      const std::string text =
          ec ? "bad request: " + ec.message() + "\n"
          : !readable ? "the HTTPS proxy serves GET and HEAD only; send " + std::string(parser.get().method_string()) +
                            " to " + target.authority() + " without the proxy (NO_PROXY)\n"
                      : "inside an HTTPS proxy connection a request names a path, not a URL\n";
      co_await net::write_simple(w, ec || readable ? 400 : 501, "text/plain", text);
      co_return;
    }
    if (!parser.is_done()) {  // a GET with a (small) body: read it, it is not forwarded
      auto [body_ec, m] = co_await http::async_read(tls, buffer, parser, use_nothrow);
      if (body_ec) co_return;
    }
    const auto& req = parser.get();
    // The URL is the CONNECT target's (what the policy matched), whatever the Host header says.
    net::http_request request{std::string(req.method_string()),
                              "https://" + target.url_authority() + std::string(req.target()), {}, remote};
    for (const auto& field : req) {
      auto [it, inserted] = request.headers.emplace(std::string(field.name_string()), std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    const bool keep_alive = req.keep_alive();
    net::stream_response_writer<tls_stream> writer(tls, req.version(), keep_alive, method == http::verb::head);
    co_await inner(request, writer);
    if (!keep_alive || !writer.reusable()) co_return;
  }
}

}  // namespace

connect_handler::connect_handler(daemon_context& ctx, const connect_policy& policy, net::http_handler inner,
                                 std::optional<net::leaf_cache> leaves)
    : ctx_(ctx), policy_(policy), inner_(std::move(inner)), leaves_(std::move(leaves)) {}

result<std::unique_ptr<connect_handler>> connect_handler::make(daemon_context& ctx, const connect_policy& policy,
                                                               net::http_handler inner, std::string& error_text) {
  boost::system::error_code ec;
  const auto listen = asio::ip::make_address(ctx.cfg.proxy.listen, ec);
  if (!ec && !listen.is_loopback() && !policy.auth_required())
    spdlog::warn("proxy: listening on {} without proxy.basic_auth: every host that reaches the port can use this "
                 "daemon as its proxy{}",
                 ctx.cfg.proxy.listen, ctx.cfg.proxy.hijack_https.cert.empty() ? "" : ", through the hijack CA too");
  std::optional<net::leaf_cache> leaves;
  const auto& h = ctx.cfg.proxy.hijack_https;
  if (!h.cert.empty()) {
    auto ca = net::cert_authority::load(h.cert, h.key, error_text);
    if (!ca) return ca.error();
    leaves.emplace(std::move(*ca), h.max_cached_certs,
                   std::chrono::duration_cast<std::chrono::seconds>(h.leaf_validity));
  }
  return std::unique_ptr<connect_handler>(new connect_handler(ctx, policy, std::move(inner), std::move(leaves)));
}

awaitable<void> connect_handler::handle(const net::http_request& req, tcp::socket socket, std::string early) {
  ctx_.stats.proxy_requests.add();
  beast::tcp_stream stream(std::move(socket));
  if (!policy_.authorized(req.header("Proxy-Authorization"))) {
    ctx_.stats.proxy_auth_failures.add();
    co_await answer(stream, 407, "Proxy Authentication Required", "proxy authentication required",
                    "Proxy-Authenticate: Basic realm=\"dragonfly\"\r\n");
    co_return;
  }
  const auto target = parse_connect_target(req.target);
  if (!target) {
    ctx_.stats.connect_bad_target.add();
    const bool long_target = target.error() == errc::out_of_bounds;
    // The target is the client's text: quoted only when short, never logged.
    const std::string why = long_target ? fmt::format("CONNECT target longer than {} bytes", max_connect_target)
                                        : "CONNECT needs host:port with a DNS name or IP literal, got '" +
                                              req.target + "'";
    co_await answer(stream, 400, "Bad Request", why);
    co_return;
  }
  switch (policy_.decide(*target)) {
    case connect_action::refuse: {
      ctx_.stats.connect_refused.add();
      const std::string why = "CONNECT to " + target->authority() + " is refused by policy (proxy.connect_tunnel)";
      co_await answer(stream, 403, "Forbidden", why);
      co_return;
    }
    case connect_action::tunnel: {
      tcp::socket client = stream.release_socket();
      co_await tunnel(*target, std::move(client), std::move(early));
      co_return;
    }
    case connect_action::hijack: {
      if (!early.empty()) {  // bytes before our 200 cannot be part of a TLS handshake with us
        ctx_.stats.connect_bad_request.add();
        co_await answer(stream, 400, "Bad Request", "data sent before the CONNECT was answered");
        co_return;
      }
      tcp::socket client = stream.release_socket();
      co_await hijack(*target, std::move(client), req.remote_address);
      co_return;
    }
  }
}

awaitable<void> connect_handler::tunnel(const connect_target& target, tcp::socket client, std::string early) {
  beast::tcp_stream downstream(std::move(client));
  auto ex = co_await asio::this_coro::executor;
  const std::string service = std::to_string(target.port);
  const auto lookup = co_await net::resolve_within(target.host, service, std::chrono::seconds(10));
  const auto rec = lookup.error;
  const auto& resolved = lookup.endpoints;
  std::vector<tcp::endpoint> endpoints;
  std::string refused;
  for (const auto& entry : resolved) {
    auto reason = ctx_.origins.refusal(target.host, entry.endpoint().address());
    if (reason.empty()) endpoints.push_back(entry.endpoint());
    else if (refused.empty()) refused = std::move(reason);
  }
  beast::tcp_stream upstream(ex);
  boost::system::error_code cec = rec;
  if (!cec && endpoints.empty()) cec = make_error_code(errc::not_permitted);
  if (!cec) {
    upstream.expires_after(ctx_.cfg.download.origin_timeout);
    auto [ec, ep] = co_await upstream.async_connect(endpoints, use_nothrow);
    cec = ec;
  }
  if (cec) {
    ctx_.stats.connect_upstream.add();
    const std::string why = "cannot connect to " + target.authority() + ": " +
                            (refused.empty() || !endpoints.empty() ? cec.message() : "refused by policy: " + refused);
    co_await answer(downstream, 502, "Bad Gateway", why);
    co_return;
  }
  ctx_.stats.connect_tunnelled.add();
  spdlog::debug("proxy: CONNECT {} tunnelled", target.authority());
  if (!co_await answer(downstream, 200, "Connection Established", "")) co_return;
  if (!early.empty()) {  // what the client sent after its request head goes first
    upstream.expires_after(answer_timeout);
    auto [ec, n] = co_await asio::async_write(upstream, asio::buffer(early), use_nothrow);
    if (ec) co_return;
  }
  downstream.expires_never();
  upstream.expires_never();
  tcp::socket a = downstream.release_socket(), b = upstream.release_socket();
  co_await net::relay_both_ways(std::move(a), std::move(b), ctx_.cfg.proxy.connect_idle_timeout);
}

awaitable<void> connect_handler::hijack(const connect_target& target, tcp::socket client, const std::string& remote) {
  beast::tcp_stream stream(std::move(client));
  const auto minted_before = leaves_->minted();
  auto leaf = leaves_->get(target.host, std::chrono::system_clock::now());
  if (leaves_->minted() != minted_before) ctx_.stats.proxy_certs_minted.add();
  auto context = leaf ? server_context(**leaf) : result<std::shared_ptr<ssl::context>>(leaf.error());
  if (!context) {
    ctx_.stats.connect_bad_target.add();
    const std::string why = "cannot make a certificate for " + target.host;
    co_await answer(stream, 502, "Bad Gateway", why);
    co_return;
  }
  ctx_.stats.connect_hijacked.add();
  if (!co_await answer(stream, 200, "Connection Established", "")) co_return;
  tls_stream tls(std::move(stream), **context);
  beast::get_lowest_layer(tls).expires_after(ctx_.cfg.proxy.hijack_https.handshake_timeout);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::server, use_nothrow);
  if (hec) {
    ctx_.stats.connect_handshake.add();
    if (log_limiter_.allow(std::chrono::steady_clock::now()))
      spdlog::warn("proxy: TLS handshake from {} for {} failed: {} ({} more since the last report)", remote,
                   target.authority(), hec.message(), log_limiter_.take_suppressed());
    co_return;
  }
  co_await serve_requests(tls, target, remote, inner_, ctx_.cfg.proxy.connect_idle_timeout,
                          ctx_.stats.connect_bad_request);
  beast::get_lowest_layer(tls).expires_after(answer_timeout);
  co_await tls.async_shutdown(use_nothrow);
}

}  // namespace df::daemon
