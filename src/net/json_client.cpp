#include "net/json_client.hpp"

#include "core/manager_settings.hpp"
#include "net/bounded_resolve.hpp"
#include "net/metrics.hpp"
#include "net/manager_protocol.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <optional>

namespace df::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t max_header = 16 << 10;

/// Writes the request and reads a bounded answer on an open stream (plain or TLS).
template <class Stream>
awaitable<result<json_reply>> exchange(Stream& stream, const http::request<http::string_body>& req,
                                       std::size_t max_body) {
  auto [ec, n] = co_await http::async_write(stream, req, use_nothrow);
  if (ec) co_return ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.header_limit(max_header);
  parser.body_limit(max_body);
  auto [ec2, n2] = co_await http::async_read(stream, buffer, parser, use_nothrow);
  if (ec2 == http::error::body_limit) co_return errc::out_of_bounds;
  if (ec2) co_return ec2;
  json_reply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  co_return reply;
}

}  // namespace

json_client_options manager_client_options(const manager_settings& settings, std::shared_ptr<tls_identity> tls) {
  json_client_options o;
  o.addresses = settings.addresses;
  o.token = settings.read_token();
  o.tls = std::move(tls);
  if (const auto exposed = token_in_clear_to(o); !exposed.empty())
    spdlog::warn("manager: the token of {} is sent over plain HTTP to {} (security.mode off): anyone on that "
                 "network can read it and register components; use security.mode tls, or keep the manager on "
                 "loopback (docs/security.md)",
                 settings.token_file, fmt::join(exposed, ", "));
  return o;
}

std::vector<std::string> token_in_clear_to(const json_client_options& options) {
  std::vector<std::string> out;
  if (options.token.empty() || (options.tls && options.tls->mode() != security_mode::off)) return out;
  for (const auto& address : options.addresses) {
    std::string host;
    std::uint16_t port = 0;
    if (!manager::split_host_port(address, host, port)) continue;
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(host, ec);
    if (host == "localhost" || (!ec && ip.is_loopback())) continue;
    out.push_back(address);
  }
  return out;
}

std::string excerpt(const std::string& body) { return body.size() > 200 ? body.substr(0, 200) + "…" : body; }

manager_request_tally::manager_request_tally(metrics_registry& metrics, const std::string& name,
                                             const std::string& help)
    : ok_(metrics.counter(name, help, "result=\"ok\"")), failed_(metrics.counter(name, help, "result=\"failed\"")) {}

void manager_request_tally::failure(const std::string& what) {
  failed_.add();
  if (healthy_) spdlog::warn("manager: {}; keeping what is in effect and trying again", what);
  healthy_ = false;
}

void manager_request_tally::success() {
  ok_.add();
  if (!healthy_) spdlog::info("manager: answering again");
  healthy_ = true;
}

json_client::json_client(json_client_options options) : options_(std::move(options)) {}

awaitable<result<json_reply>> json_client::request(const std::string& method, const std::string& target,
                                                   const std::string& body) {
  result<json_reply> last = make_error_code(errc::invalid_argument);  // no address at all
  std::optional<json_reply> server_error;  // a 5xx beats "could not connect" as the final answer
  const std::size_t count = options_.addresses.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = (preferred_ + i) % count;
    auto reply = co_await request_one(options_.addresses[at], method, target, body);
    if (reply && reply->status < 500) {
      preferred_ = at;
      co_return reply;
    }
    if (reply) server_error = std::move(*reply);
    else last = reply;
  }
  if (server_error) co_return std::move(*server_error);
  co_return last;
}

awaitable<result<json_reply>> json_client::request_one(const std::string& address, const std::string& method,
                                                       const std::string& target, const std::string& body) {
  std::string host;
  std::uint16_t port = 0;
  if (!manager::split_host_port(address, host, port)) co_return errc::invalid_argument;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, address);
  req.set(http::field::user_agent, "dragonfly-cpp/0.1");
  req.set(http::field::accept, "application/json");
  if (!options_.token.empty()) req.set(http::field::authorization, "Bearer " + options_.token);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();

  auto ex = co_await asio::this_coro::executor;
  const std::string service = std::to_string(port);
  // Bounded like the connect and the exchange: a dead DNS server is a failed attempt, not a hang.
  auto [ec, endpoints] = co_await resolve_within(host, service, options_.timeout);
  if (ec) co_return ec;
  const bool use_tls = options_.tls && options_.tls->mode() != security_mode::off;
  result<json_reply> out = make_error_code(errc::timeout);
  if (!use_tls) {
    beast::tcp_stream stream(ex);
    stream.expires_after(options_.timeout);
    auto [ec2, ep] = co_await stream.async_connect(endpoints, use_nothrow);
    if (ec2) co_return ec2;
    out = co_await exchange(stream, req, options_.max_body);
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(ex, options_.tls->client());
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(options_.timeout);
    auto [ec2, ep] = co_await lowest.async_connect(endpoints, use_nothrow);
    if (ec2) co_return ec2;
    auto [ec3] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow);
    if (ec3) co_return ec3;
    // The CA signs every component's certificate: only the manager's may answer as the manager.
    const auto id = peer_identity(stream.native_handle());
    if (!id || id->role != cluster_role::manager) co_return errc::not_permitted;
    out = co_await exchange(stream, req, options_.max_body);
  }
  if (out) out->address = address;
  co_return out;
}

}  // namespace df::net
