#include "daemon/origin_source.hpp"

#include "core/http_range.hpp"
#include "core/piece_layout.hpp"
#include "core/url.hpp"
#include "daemon/context.hpp"
#include "daemon/origin_policy.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"

#include <fmt/format.h>

namespace df::daemon {

namespace {

constexpr int max_redirects = 5;
constexpr std::size_t origin_read_chunk = 4 << 20;

}  // namespace

bool is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

std::string resolve_location(const url& base, const std::string& location) {
  if (location.starts_with("http://") || location.starts_with("https://")) return location;
  if (location.starts_with("/")) return base.scheme + "://" + base.host_header() + location;
  const auto slash = base.target.rfind('/');
  return base.scheme + "://" + base.host_header() + base.target.substr(0, slash + 1) + location;
}

bool same_origin(const url& a, const url& b) { return a.scheme == b.scheme && a.host == b.host && a.port == b.port; }

net::header_map hop_headers(const std::map<std::string, std::string>& headers, const url& first, const url& current) {
  net::header_map out;
  for (const auto& [k, v] : headers) out[k] = v;
  out.erase("Host");
  // The origin's logs tell the swarm's reads from direct pulls; the client's own agent goes beside.
  if (const auto agent = out.find("User-Agent"); agent != out.end())
    out["X-Dragonfly-Client-User-Agent"] = agent->second;
  out["User-Agent"] = "dfdaemon/" DF_VERSION;
  if (!same_origin(first, current)) {
    for (const char* secret : {"Authorization", "Cookie", "Proxy-Authorization"}) out.erase(secret);
  } else if (!first.userinfo.empty() && !out.contains("Authorization")) {
    out["Authorization"] = basic_auth_from_userinfo(first.userinfo);
  }
  return out;
}

net::awaitable<result<std::unique_ptr<net::http_connection>>> connect_origin(daemon_context& ctx, const url& u,
                                                                            std::string& why) {
  auto tls = origin_tls(ctx.cfg, u);
  std::string refused;
  tls.refuse = [&](const boost::asio::ip::address& a) {
    auto reason = ctx.origins.refusal(u.host, a);
    if (reason.empty()) return false;
    if (refused.empty()) refused = std::move(reason);
    return true;
  };
  auto conn = co_await net::http_connection::connect(u.host, u.port, ctx.cfg.download.origin_timeout, tls);
  if (!conn) {
    why = conn.error() == errc::not_permitted ? "origin refused by policy: " + refused
                                              : fmt::format("cannot connect to origin {}: {}", u.host_header(),
                                                            conn.error().message());
    if (conn.error() == errc::not_permitted) ctx.stats.origins_refused.add();
  }
  co_return conn;
}

net::tls_options origin_tls(const config& cfg, const url& u) {
  net::tls_options tls;
  if (u.scheme != "https") return tls;
  tls.enabled = true;
  tls.ca_file = cfg.origin_tls.ca_file;
  for (const auto& h : cfg.origin_tls.insecure_hosts)
    if (h == u.host || h == u.host_header() || h == u.host + ":" + std::to_string(u.port)) tls.verify = false;
  return tls;
}

net::awaitable<origin_check> check_origin(daemon_context& ctx, const std::string& url_text,
                                          const std::map<std::string, std::string>& headers, const std::string& etag,
                                          const std::string& last_modified) {
  const auto timeout = ctx.cfg.download.origin_timeout;
  std::string current = url_text;
  const auto first = parse_url(url_text);
  for (int hop = 0; hop <= max_redirects; ++hop) {
    auto u = parse_url(current);
    if (!u || !first) co_return origin_check{0, "", "", "cannot check " + redact_url(current)};
    std::string why;
    auto conn = co_await connect_origin(ctx, *u, why);
    if (!conn) co_return origin_check{0, "", "", why};
    auto request_headers = hop_headers(headers, *first, *u);
    if (!etag.empty()) request_headers["If-None-Match"] = etag;
    if (!last_modified.empty()) request_headers["If-Modified-Since"] = last_modified;
    const std::string method = "HEAD", host_header = u->host_header();
    auto head = co_await (*conn)->request(method, u->target, host_header, request_headers, timeout);
    if (!head) co_return origin_check{0, "", "", "origin " + host_header + " did not answer: " + head.error().message()};
    if (is_redirect(head->status) && !head->header("Location").empty()) {
      current = resolve_location(*u, head->header("Location"));
      continue;
    }
    co_return origin_check{head->status, head->header("ETag"), head->header("Last-Modified"),
                           fmt::format("origin answered {} {}", head->status, head->reason)};
  }
  co_return origin_check{0, "", "", "too many redirects from " + redact_url(url_text)};
}

net::awaitable<origin_outcome> read_from_origin(daemon_context& ctx, const std::string& url_text,
                                                const std::map<std::string, std::string>& headers,
                                                const origin_callbacks& callbacks,
                                                const std::optional<origin_resume>& resume) {
  const auto timeout = ctx.cfg.download.origin_timeout;
  std::string current = url_text;
  const auto first = parse_url(url_text);
  for (int hop = 0; hop <= max_redirects; ++hop) {
    auto u = parse_url(current);
    if (!u || !first) co_return origin_outcome{make_error_code(errc::invalid_url), 0, "invalid URL " + redact_url(current)};
    std::string why;
    auto conn = co_await connect_origin(ctx, *u, why);
    if (!conn)
      co_return origin_outcome{conn.error() == errc::not_permitted ? conn.error()
                                                                   : make_error_code(errc::origin_unreachable),
                               0, why};
    auto request_headers = hop_headers(headers, *first, *u);
    if (resume) {
      request_headers["Range"] = fmt::format("bytes={}-", std::uint64_t{resume->first_piece} * resume->piece_size);
      request_headers["If-Range"] = resume->validator;
    }
    const std::string method = "GET", host_header = u->host_header();
    const auto asked_at = std::chrono::steady_clock::now();
    auto head = co_await (*conn)->request(method, u->target, host_header, request_headers, timeout);
    ctx.stats.origin_request_time.observe(std::chrono::steady_clock::now() - asked_at);
    if (!head)
      co_return origin_outcome{make_error_code(errc::origin_unreachable), 0,
                               fmt::format("origin {} did not answer: {}", u->host_header(), head.error().message())};
    if (is_redirect(head->status) && !head->header("Location").empty()) {
      current = resolve_location(*u, head->header("Location"));
      continue;
    }
    if (head->status < 200 || head->status > 299)
      co_return origin_outcome{make_error_code(errc::origin_status), head->status,
                               fmt::format("origin returned {} {} for {}", head->status, head->reason, redact_url(current))};

    origin_head layout{head->content_length, 0, false, head->header("ETag"), head->header("Last-Modified")};
    std::uint32_t index = 0;
    std::optional<std::uint64_t> body_length = head->content_length;
    if (head->status == 206) {
      content_range range;
      if (!resume || !parse_content_range(head->header("Content-Range"), range) ||
          range.first != std::uint64_t{resume->first_piece} * resume->piece_size)
        co_return origin_outcome{make_error_code(errc::origin_status), 206,
                                 "origin answered a range that was not asked for: " + head->header("Content-Range")};
      layout = origin_head{range.total, resume->piece_size, true, layout.etag, layout.last_modified};
      index = resume->first_piece;
    } else {
      layout.piece_size =
          ctx.cfg.download.piece_size ? ctx.cfg.download.piece_size : choose_piece_size(head->content_length.value_or(0));
    }
    const std::uint64_t piece_size = layout.piece_size;
    if (auto r = callbacks.on_layout(layout); !r)
      co_return origin_outcome{r.error(), 0, "cannot store the task: " + r.error().message()};

    origin_outcome outcome;
    byte_buffer piece(piece_size);
    std::size_t filled = 0;
    auto piece_began = std::chrono::steady_clock::now();
    const auto flush = [&]() -> net::awaitable<result<void>> {
      piece.shrink(filled);
      const piece_index current(index++);
      auto r = co_await callbacks.on_piece(current, std::move(piece));
      if (r) ctx.stats.piece_time_origin.observe(std::chrono::steady_clock::now() - piece_began);
      piece = byte_buffer(piece_size);
      filled = 0;
      piece_began = std::chrono::steady_clock::now();
      co_return r;
    };
    for (;;) {
      const std::size_t want = std::min(origin_read_chunk, piece.size() - filled);
      const std::span<std::byte> into(piece.data() + filled, want);
      auto n = co_await (*conn)->read_body(into, timeout);
      if (!n) {
        outcome.error = n.error();
        outcome.message = n.error() == errc::origin_short_body
                              ? fmt::format("origin closed the connection after {} of {} bytes", outcome.bytes,
                                            head->content_length ? std::to_string(*head->content_length) : "?")
                              : fmt::format("reading from origin failed after {} bytes: {}", outcome.bytes,
                                            n.error().message());
        co_return outcome;
      }
      if (*n == 0) break;
      co_await ctx.download_limit.acquire(*n);
      if (callbacks.task_limit) co_await callbacks.task_limit->acquire(*n);
      filled += *n;
      outcome.bytes += *n;
      ctx.stats.download_from_origin.add(*n);
      if (filled == piece.size()) {
        auto r = co_await flush();
        if (!r) {
          outcome.error = r.error();
          outcome.message = "cannot store piece: " + r.error().message();
          co_return outcome;
        }
      }
    }
    if (filled > 0) {
      auto r = co_await flush();
      if (!r) {
        outcome.error = r.error();
        outcome.message = "cannot store piece: " + r.error().message();
        co_return outcome;
      }
    }
    if (body_length && outcome.bytes != *body_length) {
      outcome.error = make_error_code(errc::origin_short_body);
      outcome.message = fmt::format("origin sent {} bytes but announced {}", outcome.bytes, *body_length);
    }
    co_return outcome;
  }
  co_return origin_outcome{make_error_code(errc::origin_status), 0,
                           fmt::format("more than {} redirects from {}", max_redirects, redact_url(url_text))};
}

}  // namespace df::daemon
