#include "daemon/proxy_router.hpp"

#include "core/url.hpp"

#include <algorithm>
#include <cctype>

namespace df::daemon {

namespace {

const std::regex& blob_path() {
  static const std::regex re("^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$");
  return re;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX and '+' (Go's url.Values.Encode writes "127.0.0.1%3A5000" for ns).
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

std::string query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

std::string without_query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q));
  std::string_view rest = target.substr(q + 1);
  char sep = '?';
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (!pair.empty() && pair.substr(0, pair.find('=')) != name) {
      out += sep;
      out += pair;
      sep = '&';
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

proxy_router::proxy_router(const config::proxy_section& cfg) : cfg_(cfg) {
  for (const auto& r : cfg.p2p_rules) rules_.emplace_back(r);
}

std::string proxy_router::registry_base(std::string_view registry) const {
  if (registry.empty()) registry = cfg_.default_registry;
  std::string_view host = registry;
  if (registry.starts_with("http://") || registry.starts_with("https://")) {
    // A full URL names its own scheme; a listed host may still map it elsewhere.
    host = registry.substr(registry.find("://") + 3);
    while (host.ends_with('/')) host.remove_suffix(1);
    for (const auto& [name, base] : cfg_.registries)
      if (iequals(name, host)) return base;
    std::string base(registry);
    while (base.ends_with('/')) base.pop_back();
    return base;
  }
  for (const auto& [name, base] : cfg_.registries)
    if (iequals(name, host)) {
      std::string b = base;
      while (b.ends_with('/')) b.pop_back();
      return b;
    }
  // Docker Hub's names for itself, as containerd and docker send them.
  if (iequals(host, "docker.io") || iequals(host, "index.docker.io")) return "https://registry-1.docker.io";
  return "https://" + std::string(host);
}

proxy_route proxy_router::route(const proxy_request_view& r) const {
  proxy_route out;
  const bool get = r.method == "GET";
  if (r.method == "CONNECT") {
    out.what = proxy_route::action::reject;
    out.status = 501;
    out.message = "CONNECT tunnelling is switched off (proxy.connect_tunnel)";
    return out;
  }
  const bool forced_off = iequals(r.use_p2p_header, "false");
  const bool forced_on = iequals(r.use_p2p_header, "true");

  if (r.target.starts_with("http://") || r.target.starts_with("https://")) {  // HTTP proxy mode
    out.upstream = std::string(r.target);
    const auto u = parse_url(out.upstream);
    if (!u) {
      out.what = proxy_route::action::reject;
      out.status = 400;
      out.message = "invalid URL: " + out.upstream;
      return out;
    }
    std::smatch m;
    const std::string path = u->target.substr(0, u->target.find('?'));
    if (std::regex_match(path, m, blob_path())) out.digest = m[2].str();
    const bool matches = std::any_of(rules_.begin(), rules_.end(),
                                     [&](const std::regex& re) { return std::regex_search(out.upstream, re); });
    out.what = get && !forced_off && (matches || forced_on) ? proxy_route::action::p2p : proxy_route::action::pass;
    return out;
  }
  if (!r.target.starts_with("/")) {
    out.what = proxy_route::action::reject;
    out.status = 400;
    out.message = "request target must be a path (registry mirror) or an absolute http:// URL (proxy)";
    return out;
  }
  // Registry mirror mode: the upstream comes from ?ns=, then X-Dragonfly-Registry, then the default.
  std::string registry = query_param(r.target, "ns");
  if (registry.empty()) registry = std::string(r.registry_header);
  const std::string target = without_query_param(r.target, "ns");
  out.upstream = registry_base(registry) + target;
  if (!parse_url(out.upstream)) {
    out.what = proxy_route::action::reject;
    out.status = 400;
    out.message = "invalid upstream registry '" + registry + "'";
    return out;
  }
  std::smatch m;
  const std::string path = target.substr(0, target.find('?'));
  const bool blob = std::regex_match(path, m, blob_path());
  if (blob) out.digest = m[2].str();
  out.what = get && !forced_off && (blob || forced_on) ? proxy_route::action::p2p : proxy_route::action::pass;
  return out;
}

}  // namespace df::daemon
