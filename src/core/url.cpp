#include "core/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace df {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// RFC 3986 host characters: a reg-name (unreserved, sub-delims, '%') or, in brackets, an IP literal.
bool valid_host(std::string_view host, bool bracketed) {
  constexpr std::string_view reg_name_extra = "-._~%!$&'()*+,;=";
  for (const char c : host) {
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (bracketed ? !(alnum || c == ':' || c == '.' || c == '%') : !(alnum || reg_name_extra.find(c) != std::string_view::npos))
      return false;
  }
  return !host.empty();
}

bool name_matches(std::string_view name, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.size() >= pattern.size() && iequals(name.substr(0, pattern.size()), pattern);
  }
  return iequals(name, pattern);
}

}  // namespace

std::string url::host_header() const {
  const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string url::to_string() const { return scheme + "://" + host_header() + target; }

result<url> parse_url(std::string_view text) {
  url u;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return errc::invalid_url;
  u.scheme = std::string(text.substr(0, scheme_end));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme == "http") u.port = 80;
  else if (u.scheme == "https") u.port = 443;
  else return errc::invalid_url;

  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view target = path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  if (authority.empty()) return errc::invalid_url;

  std::string_view host = authority, port;
  const bool bracketed = authority.front() == '[';
  if (bracketed) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return errc::invalid_url;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return errc::invalid_url;
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return errc::invalid_url;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535)
      return errc::invalid_url;
    u.port = static_cast<std::uint16_t>(value);
  }
  if (!valid_host(host, bracketed)) return errc::invalid_url;
  u.host = std::string(host);
  u.target = target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return u;
}

const std::vector<std::string>& default_filtered_params() {
  // Dragonfly's defaults: the signing parameters of S3, GCS, OSS, OBS and COS pre-signed URLs.
  static const std::vector<std::string> params{
      "Expires", "Signature", "OSSAccessKeyId", "SecurityToken", "AccessKeyId",  // OSS, OBS
      "X-Amz-*", "X-Goog-*", "X-Obs-*", "q-sign-*", "q-ak", "q-key-time", "q-header-list", "q-url-param-list",
      "q-signature", "x-cos-security-token", "ns"};
  return params;
}

namespace {

// Calls `visit(pair, filtered)` for each non-empty "name=value" of the URL's query (fragment
// ignored), `filtered` telling whether `filters` or the defaults remove it from the task ID.
template <class Visit>
void for_each_query_pair(std::string_view query, const std::vector<std::string>& filters, Visit visit) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::string_view name = pair.substr(0, pair.find('='));
    const auto matches = [&](const std::string& f) { return name_matches(name, f); };
    visit(pair, name, std::any_of(filters.begin(), filters.end(), matches) ||
                      std::any_of(default_filtered_params().begin(), default_filtered_params().end(), matches));
  }
}

std::string_view without_fragment(std::string_view url_text) {
  const auto hash = url_text.find('#');
  return hash == std::string_view::npos ? url_text : url_text.substr(0, hash);
}

}  // namespace

std::string filter_query(std::string_view url_text, const std::vector<std::string>& filters) {
  url_text = without_fragment(url_text);
  const auto q = url_text.find('?');
  if (q == std::string_view::npos) return std::string(url_text);
  std::string out(url_text.substr(0, q));
  bool first = true;
  for_each_query_pair(url_text.substr(q + 1), filters, [&](std::string_view pair, std::string_view, bool filtered) {
    if (filtered) return;
    out += first ? '?' : '&';
    out += pair;
    first = false;
  });
  return out;
}

bool query_carries_credentials(std::string_view url_text, const std::vector<std::string>& filters) {
  url_text = without_fragment(url_text);
  const auto q = url_text.find('?');
  if (q == std::string_view::npos) return false;
  bool found = false;
  for_each_query_pair(url_text.substr(q + 1), filters, [&](std::string_view, std::string_view name, bool filtered) {
    found = found || (filtered && !name_matches(name, "ns"));
  });
  return found;
}

std::vector<std::string> split_filter(std::string_view filter) {
  std::vector<std::string> out;
  while (!filter.empty()) {
    const auto amp = filter.find('&');
    if (const auto part = filter.substr(0, amp); !part.empty()) out.emplace_back(part);
    filter = amp == std::string_view::npos ? std::string_view{} : filter.substr(amp + 1);
  }
  return out;
}

}  // namespace df

namespace df {

namespace {

// The URL with its "user:password" (if any) replaced by `with`; `keep_at` keeps the '@'.
std::string replace_userinfo(std::string_view text, std::string_view with, bool keep_at) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(text);
  const auto authority_start = scheme_end + 3;
  const auto authority_end = text.find_first_of("/?#", authority_start);
  const auto authority = text.substr(authority_start, authority_end == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, authority_start)) + std::string(with) +
         std::string(text.substr(authority_start + at + (keep_at ? 0 : 1)));
}

}  // namespace

std::string redact_url(std::string_view text) { return replace_userinfo(text, "***", true); }

std::string strip_userinfo(std::string_view text) { return replace_userinfo(text, "", false); }

namespace {

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr == text.data() + i + 3) {
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto byte = [&](std::size_t k) { return k < bytes.size() ? static_cast<unsigned char>(bytes[k]) : 0u; };
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(i + 1 < bytes.size() ? alphabet[v >> 6 & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? alphabet[v & 63] : '=');
  }
  return out;
}

}  // namespace

std::string basic_auth_from_userinfo(std::string_view userinfo) {
  if (userinfo.empty()) return {};
  return "Basic " + base64(percent_decode(userinfo));
}

}  // namespace df
