#include "daemon/access_check.hpp"

#include "core/url.hpp"
#include "daemon/context.hpp"
#include "daemon/origin_source.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

namespace df::daemon {

namespace {

constexpr int max_access_redirects = 5;

// What of a refusal the client needs to act on it: the challenge to answer, the registry API
// version (docker checks it), where to go instead.
constexpr const char* relayed_headers[] = {"WWW-Authenticate", "Docker-Distribution-Api-Version", "Location"};

access_decision unreachable(std::string message) {
  return {access_decision::verdict::unreachable, 0, {}, std::move(message)};
}

// The origin's answer to `method` on one hop (a fresh connection each: a body is never read).
net::awaitable<result<net::http_response_head>> ask_once(daemon_context& ctx, const url& u, std::string method,
                                                        const net::header_map& headers, std::string& why) {
  auto conn = co_await connect_origin(ctx, u, why);
  if (!conn) co_return conn.error();
  const std::string host_header = u.host_header();
  auto head = co_await (*conn)->request(method, u.target, host_header, headers, ctx.cfg.download.origin_timeout);
  if (!head) why = fmt::format("origin {} did not answer: {}", host_header, head.error().message());
  co_return head;
}

}  // namespace

net::awaitable<access_decision> ask_origin(daemon_context& ctx, const std::string& url_text,
                                           const net::header_map& request_headers, bool registry_blob) {
  const auto first = parse_url(url_text);
  if (!first) co_return unreachable("invalid URL " + redact_url(url_text));
  std::map<std::string, std::string> credentials;
  for (const char* name : credential_headers)
    if (const auto it = request_headers.find(name); it != request_headers.end()) credentials[name] = it->second;
  std::string current = url_text;
  for (int hop = 0; hop <= max_access_redirects; ++hop) {
    const auto u = parse_url(current);
    if (!u) co_return unreachable("the origin redirected to an invalid URL " + redact_url(current));
    std::string why;
    auto headers = hop_headers(credentials, *first, *u);
    auto head = co_await ask_once(ctx, *u, "HEAD", headers, why);
    // An origin that does not answer HEAD (405, 501), or a URL signed for GET only (a pre-signed
    // storage URL answers HEAD with 403): the first byte of a GET decides.
    if (head && (head->status == 403 || head->status == 405 || head->status == 501)) {
      headers["Range"] = "bytes=0-0";
      head = co_await ask_once(ctx, *u, "GET", headers, why);
    }
    if (!head) co_return unreachable(why);
    if (head->status >= 200 && head->status <= 299)
      co_return access_decision{access_decision::verdict::allowed, head->status, {}, "allowed"};
    if (const auto location = head->header("Location"); is_redirect(head->status) && !location.empty()) {
      const std::string next_text = resolve_location(*u, location);
      const auto next = parse_url(next_text);
      if (next && same_origin(*first, *next)) {
        current = next_text;
        continue;
      }
      if (next && registry_blob)
        co_return access_decision{access_decision::verdict::allowed, head->status, {}, "redirected to storage"};
    }
    access_decision denied{access_decision::verdict::denied, head->status, {},
                           fmt::format("origin answered {} {}", head->status, head->reason)};
    for (const char* name : relayed_headers)
      if (const auto value = head->header(name); !value.empty()) denied.headers[name] = value;
    co_return denied;
  }
  co_return unreachable(fmt::format("more than {} redirects from {}", max_access_redirects, redact_url(url_text)));
}

access_checker::access_checker(daemon_context& ctx) : ctx_(ctx), cache_(ctx.cfg.proxy.auth_cache_ttl) {}

net::awaitable<access_decision> access_checker::decide(const net::header_map& headers, const std::string& url,
                                                      bool registry_blob, bool known_public) {
  if (known_public) {
    ctx_.stats.access_public.add();
    co_return access_decision{access_decision::verdict::allowed, 200, {}, "public"};
  }
  const std::string fingerprint = credential_fingerprint(headers, url);
  if (cache_.allowed(fingerprint, url, access_cache::clock::now())) {
    ctx_.stats.access_cached.add();
    co_return access_decision{access_decision::verdict::allowed, 200, {}, "allowed (cached)"};
  }
  auto decision = co_await ask_origin(ctx_, url, headers, registry_blob);
  if (decision.what == access_decision::verdict::allowed) {
    cache_.remember(fingerprint, url, access_cache::clock::now());
    ctx_.stats.access_allowed.add();
  } else if (decision.what == access_decision::verdict::denied) {
    // Usual on a first, anonymous request of a token flow: the client answers the challenge.
    ctx_.stats.access_denied.add();
    spdlog::debug("{} refused: {}", redact_url(url), decision.message);
  } else {
    ctx_.stats.access_errors.add();
    spdlog::warn("cannot check access to {} with its origin, not serving it: {}", redact_url(url), decision.message);
  }
  co_return decision;
}

net::awaitable<bool> access_checker::permit(const net::http_request& req, const std::string& url, bool registry_blob,
                                            bool known_public, net::response_writer& w) {
  const auto decision = co_await decide(req.headers, url, registry_blob, known_public);
  if (decision.what == access_decision::verdict::allowed) co_return true;
  net::header_map headers = decision.headers;
  headers["X-Dragonfly-Error-Type"] = "origin";
  if (decision.what == access_decision::verdict::denied) {
    co_await w.write_head(decision.status, headers, 0);
    co_return false;
  }
  const std::string body = "cannot check access with the origin: " + decision.message + "\n";
  headers["Content-Type"] = "text/plain";
  auto head = co_await w.write_head(502, headers, body.size());
  if (!head) co_return false;
  const auto bytes = std::as_bytes(std::span(body.data(), body.size()));
  co_await w.write_body(bytes);
  co_return false;
}

}  // namespace df::daemon
