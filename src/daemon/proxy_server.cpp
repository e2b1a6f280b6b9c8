#include "daemon/proxy_server.hpp"

#include "core/http_range.hpp"
#include "core/ids.hpp"
#include "core/units.hpp"
#include "core/url.hpp"
#include "daemon/connect_handler.hpp"
#include "daemon/connect_policy.hpp"
#include "daemon/cluster_policy.hpp"
#include "daemon/context.hpp"
#include "daemon/origin_source.hpp"
#include "daemon/proxy_router.hpp"
#include "daemon/task_manager.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "storage/task_file.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <strings.h>

namespace df::daemon {

using net::awaitable;

namespace {

constexpr std::size_t relay_chunk = 256 * 1024;

// Headers that describe one connection, not the resource (RFC 9110 §7.6.1), and our own.
bool hop_by_hop(const std::string& name) {
  static constexpr std::array names{"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                    "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                                    "host", "content-length"};
  for (const char* n : names)
    if (::strcasecmp(name.c_str(), n) == 0) return true;
  return ::strncasecmp(name.c_str(), "x-dragonfly-", 12) == 0;
}

// What a requester's headers contribute to a back-to-source request for a whole task: credentials
// and content negotiation, never a Range (the swarm always fetches whole tasks).
std::map<std::string, std::string> origin_headers(const net::http_request& req) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : req.headers) {
    if (hop_by_hop(name) || ::strcasecmp(name.c_str(), "range") == 0 || ::strcasecmp(name.c_str(), "if-range") == 0 ||
        ::strcasecmp(name.c_str(), "accept-encoding") == 0)
      continue;
    out[name] = value;
  }
  return out;
}

// The query parameters a request leaves out of its task ID besides the defaults: this project's
// X-Dragonfly-Filter ('&'-separated) and Dragonfly's X-Dragonfly-Filtered-Query-Params (','-separated).
std::vector<std::string> request_filters(const net::http_request& req) {
  auto out = split_filter(req.header("X-Dragonfly-Filter"));
  std::string dragonfly = req.header("X-Dragonfly-Filtered-Query-Params");
  std::replace(dragonfly.begin(), dragonfly.end(), ',', '&');
  for (auto name : split_filter(dragonfly)) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) out.push_back(std::move(name));
  }
  return out;
}

awaitable<void> answer_error(net::response_writer& w, int status, std::string_view type, std::string_view message) {
  net::header_map headers;
  headers["Content-Type"] = "text/plain";
  headers["X-Dragonfly-Error-Type"] = std::string(type);
  const std::string body = std::string(message) + "\n";
  auto head = co_await w.write_head(status, headers, body.size());
  if (!head) co_return;
  const auto bytes = std::as_bytes(std::span(body.data(), body.size()));
  co_await w.write_body(bytes);
}

}  // namespace

proxy_server::proxy_server(daemon_context& ctx, task_manager& tasks)
    : ctx_(ctx), tasks_(tasks), router_(std::make_unique<proxy_router>(ctx.cfg.proxy)),
      connect_policy_(std::make_unique<connect_policy>(ctx.cfg.proxy)) {
  server_ = std::make_unique<net::http_server>(
      ctx_.ex, [this](const net::http_request& req, net::response_writer& w) { return handle(req, w); });
  server_->set_connection_limit(net::default_max_connections, &ctx_.stats.connections_refused);
}

proxy_server::~proxy_server() = default;

result<std::uint16_t> proxy_server::listen(const std::string& address, std::uint16_t port) {
  std::string why;
  auto made = connect_handler::make(
      ctx_, *connect_policy_, [this](const net::http_request& req, net::response_writer& w) { return serve(req, w); },
      why);
  if (!made) {
    spdlog::error("proxy.hijack_https: {}", why);
    return made.error();
  }
  connect_ = std::move(*made);
  server_->on_connect([this](const net::http_request& req, net::asio::ip::tcp::socket socket, std::string early) {
    return connect_->handle(req, std::move(socket), std::move(early));
  });
  auto bound = server_->listen(address, port);
  if (bound) server_->start();
  return bound;
}

void proxy_server::stop() { server_->stop(); }

awaitable<void> proxy_server::handle(const net::http_request& req, net::response_writer& w) {
  if (!connect_policy_->authorized(req.header("Proxy-Authorization"))) {
    ctx_.stats.proxy_auth_failures.add();
    net::header_map headers;
    headers["Proxy-Authenticate"] = "Basic realm=\"dragonfly\"";
    headers["Content-Type"] = "text/plain";
    headers["X-Dragonfly-Error-Type"] = "proxy";
    const std::string body = "proxy authentication required\n";
    if (co_await w.write_head(407, headers, body.size()))
      co_await w.write_body(std::as_bytes(std::span(body.data(), body.size())));
    co_return;
  }
  co_await serve(req, w);
}

awaitable<void> proxy_server::serve(const net::http_request& req, net::response_writer& w) {
  ctx_.stats.proxy_requests.add();
  const std::string registry = req.header("X-Dragonfly-Registry"), use_p2p = req.header("X-Dragonfly-Use-P2P");
  const proxy_route route = router_->route({req.method, req.target, registry, use_p2p});
  spdlog::debug("proxy: {} {} → {} ({})", req.method, redact_url(req.target), redact_url(route.upstream),
                route.what == proxy_route::action::p2p ? "p2p" : "direct");
  if (route.what == proxy_route::action::reject) {
    co_await answer_error(w, route.status, "proxy", route.message);
    co_return;
  }
  if (route.what == proxy_route::action::p2p) {
    std::string why_not;
    const bool served = co_await serve_p2p(req, w, route, why_not);
    if (served) co_return;
    ctx_.stats.proxy_fallbacks.add();
    spdlog::warn("proxy: {} not through the swarm ({}); fetching it from {} directly", redact_url(req.target), why_not,
                 redact_url(route.upstream));
  }
  co_await pass_through(req, w, route.upstream);
}

awaitable<bool> proxy_server::serve_p2p(const net::http_request& req, net::response_writer& w,
                                        const proxy_route& route, std::string& why_not) {
  task_request request;
  request.url = route.upstream;
  request.headers = origin_headers(req);
  request.tag = req.header("X-Dragonfly-Tag");
  request.application = req.header("X-Dragonfly-Application");
  request.filters = request_filters(req);
  request.digest = route.digest;
  if (const auto limit = req.header("X-Dragonfly-Rate-Limit"); !limit.empty()) {
    const auto parsed = parse_size(limit);
    if (!parsed) {
      const std::string text = "X-Dragonfly-Rate-Limit: cannot read '" + limit + "' as bytes per second";
      co_await answer_error(w, 400, "proxy", text);
      co_return true;
    }
    request.rate_limit = *parsed;
  }
  const std::string task_id = route.digest.empty()
                                  ? compute_task_id({request.url, request.tag, request.application, request.filters})
                                  : content_task_id(route.digest);
  // Nothing of a task goes out (nor is a task started) before the origin has said that this
  // requester may read this URL, unless this daemon read it from the origin without credentials.
  const auto held = tasks_.find(task_id);
  const bool known_public = held && held->state() == peer_task::phase::done && held->meta().public_content &&
                            !held->data_modified();
  const bool permitted = co_await access_.permit(req, request.url, !route.digest.empty(), known_public, w);
  if (!permitted) co_return true;
  auto acquired = tasks_.acquire(task_id, request, false);
  if (!acquired) {
    if (acquired.error() == blocklisted_error()) {  // the cluster refuses it: not fetched directly either
      const std::string text = acquired.error().message();
      co_await answer_error(w, 403, "daemon", text);
      co_return true;
    }
    why_not = "cannot start the task: " + acquired.error().message();
    co_return false;
  }
  std::shared_ptr<peer_task> task = *acquired;
  task->touch();
  const bool held_already = task->state() == peer_task::phase::done;
  if (held_already) ctx_.stats.cache_hits.add();

  // Until the layout is known nothing has been sent: a failure here falls back to the upstream,
  // which also hands the runtime the registry's own answer (401 with its challenge, 404, ...).
  while (!task->meta().content_length && task->state() == peer_task::phase::running)
    co_await task->changed().wait_for(std::chrono::seconds(1));
  if (task->state() == peer_task::phase::failed) {
    if (task->error().error_type == "digest") {  // the upstream's content is wrong: never hand it out
      const std::string text = "blob " + route.digest + " failed verification: " + task->error().message;
      co_await answer_error(w, 502, "origin", text);
      co_return true;
    }
    why_not = task->error().message;
    co_return false;
  }
  const std::uint64_t total = *task->meta().content_length;
  content_range range;
  const auto kind = parse_range_header(req.header("Range"), total, range);
  net::header_map headers;
  headers["X-Dragonfly-Task-ID"] = task_id;
  headers["X-Dragonfly-Server-IP"] = ctx_.cfg.host.ip;
  if (held_already) headers["X-Dragonfly-Task-Download-Finished"] = "true";  // served from this host's cache
  if (kind == range_request::unsatisfiable) {
    headers["Content-Range"] = fmt::format("bytes */{}", total);
    headers["X-Dragonfly-Error-Type"] = "proxy";
    co_await w.write_head(416, headers, 0);
    co_return true;
  }
  const bool partial = kind == range_request::partial;
  if (!partial) range = {0, total ? total - 1 : 0, total};
  const std::uint64_t length = total == 0 ? 0 : range.last - range.first + 1;
  headers["Content-Type"] = "application/octet-stream";
  headers["Accept-Ranges"] = "bytes";
  if (!route.digest.empty()) {
    headers["Docker-Content-Digest"] = route.digest;
    headers["ETag"] = "\"" + route.digest + "\"";
  }
  if (partial) headers["Content-Range"] = fmt::format("bytes {}-{}/{}", range.first, range.last, total);
  ctx_.stats.proxy_p2p_blobs.add();
  auto head = co_await w.write_head(partial ? 206 : 200, headers, length);
  if (!head || length == 0 || req.method == "HEAD") co_return true;

  const auto layout = task->meta().layout();
  const std::uint32_t first = static_cast<std::uint32_t>(range.first / layout.piece_size);
  const std::uint32_t last = static_cast<std::uint32_t>(range.last / layout.piece_size);
  const std::uint32_t final_piece = layout.piece_count() - 1;
  const std::uint32_t generation = task->generation();
  auto file = task->file();
  for (std::uint32_t i = first; i <= last; ++i) {
    // The piece that completes a content-addressed blob goes out only after the whole matched its
    // digest: a client never receives a complete body that is wrong.
    const auto ready = [&] {
      if (i == final_piece && !task->meta().digest.empty()) return task->state() == peer_task::phase::done;
      return task->meta().verified.has(piece_index(i));
    };
    while (!ready()) {
      if (task->state() == peer_task::phase::failed || task->generation() != generation) {
        spdlog::warn("task {}: proxy answer for {} broke off after piece {}: {}", task->task_id(), redact_url(req.target), i,
                     task->generation() != generation ? "the content changed" : task->error().message);
        co_return true;  // the server closes the connection: the client sees a truncated body
      }
      co_await task->changed().wait_for(std::chrono::seconds(1));
    }
    const std::uint64_t piece_start = layout.offset(piece_index(i));
    const std::uint64_t piece_end = piece_start + layout.length(piece_index(i));  // exclusive
    const std::uint64_t from = std::max(piece_start, range.first), to = std::min(piece_end, range.last + 1);
    auto sent = co_await w.write_file(file->native_handle(), from, to - from);
    if (!sent) co_return true;  // the client went away; the task goes on for the cache and the swarm
    task->touch();
  }
  co_return true;
}

awaitable<void> proxy_server::pass_through(const net::http_request& req, net::response_writer& w,
                                           const std::string& url_text) {
  const auto u = parse_url(url_text);
  if (!u) {
    const std::string text = "invalid upstream URL " + url_text;
    co_await answer_error(w, 400, "proxy", text);
    co_return;
  }
  const auto timeout = ctx_.cfg.download.origin_timeout;
  const auto tls = origin_tls(ctx_.cfg, *u);
  auto conn = co_await net::http_connection::connect(u->host, u->port, timeout, tls);
  if (!conn) {
    const std::string text = fmt::format("cannot reach upstream {}: {}", u->host_header(), conn.error().message());
    spdlog::warn("proxy: {}", text);
    co_await answer_error(w, 502, "origin", text);
    co_return;
  }
  net::header_map headers;
  for (const auto& [name, value] : req.headers)
    if (!hop_by_hop(name)) headers[name] = value;
  const std::string host_header = u->host_header();
  auto head = co_await (*conn)->request(req.method, u->target, host_header, headers, timeout);
  if (!head) {
    const std::string text = fmt::format("upstream {} did not answer: {}", host_header, head.error().message());
    spdlog::warn("proxy: {}", text);
    co_await answer_error(w, 502, "origin", text);
    co_return;
  }
  net::header_map out;
  for (const auto& [name, value] : head->headers)
    if (!hop_by_hop(name)) out[name] = value;
  const bool head_only = req.method == "HEAD" || head->status == 204 || head->status == 304 ||
                         (head->status >= 100 && head->status < 200);
  if (head_only) {
    co_await w.write_head(head->status, out, head->content_length.value_or(0));
    co_return;
  }
  result<void> started;
  if (head->content_length) started = co_await w.write_head(head->status, out, *head->content_length);
  else started = co_await w.write_head_until_close(head->status, out);
  if (!started) co_return;
  std::vector<std::byte> buffer(relay_chunk);
  for (;;) {
    auto n = co_await (*conn)->read_body(buffer, timeout);
    if (!n) {
      spdlog::warn("proxy: upstream {} broke off {}: {}", host_header, u->target, n.error().message());
      co_return;  // the announced length is not reached: the server closes the connection
    }
    if (*n == 0) break;
    const std::span<const std::byte> chunk(buffer.data(), *n);
    auto sent = co_await w.write_body(chunk);
    if (!sent) co_return;
  }
}

}  // namespace df::daemon
