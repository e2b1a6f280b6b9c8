#include "daemon/connect_policy.hpp"

#include "core/digest.hpp"
#include "net/cert_mint.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace df::daemon {

namespace {

// The longest Proxy-Authorization value read (a Basic value for a 255-byte user and password).
constexpr std::size_t max_authorization = 1024;

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(b); });
}

// Standard base64 with padding, as RFC 7617 uses; false on malformed input.
bool decode_base64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  out.assign(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && len > 0; --i) --len;
  out.resize(len);
  return true;
}

}  // namespace

std::string connect_target::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string connect_target::url_authority() const {
  if (port != 443) return authority();
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

result<connect_target> parse_connect_target(std::string_view text) {
  if (text.size() > max_connect_target) return errc::out_of_bounds;
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return errc::invalid_argument;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string_view::npos) return errc::invalid_argument;  // brackets are for IPv6
  } else if (host.find(':') != std::string_view::npos) {
    return errc::invalid_argument;  // an IPv6 literal must be bracketed
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return errc::invalid_argument;
  connect_target out;
  out.host.assign(host);
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!net::valid_certificate_host(out.host)) return errc::invalid_argument;
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

connect_policy::connect_policy(const config::proxy_section& cfg)
    : hijack_enabled_(!cfg.hijack_https.cert.empty()), tunnel_(cfg.connect_tunnel) {
  for (const auto& h : cfg.hijack_https.hosts) hijack_.emplace_back(h, std::regex::ECMAScript | std::regex::icase);
  if (!cfg.basic_auth.username.empty())
    expected_digest_ = sha256_hex(cfg.basic_auth.username + ":" + cfg.basic_auth.password);
}

connect_action connect_policy::decide(const connect_target& target) const {
  if (hijack_enabled_) {
    const std::string authority = target.authority();
    for (const auto& re : hijack_)
      if (std::regex_search(authority, re)) return connect_action::hijack;
  }
  return tunnel_ ? connect_action::tunnel : connect_action::refuse;
}

bool connect_policy::authorized(std::string_view value) const {
  if (expected_digest_.empty()) return true;
  if (value.size() > max_authorization || !istarts_with(value, "basic ")) return false;
  value.remove_prefix(6);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  std::string credentials;
  if (!decode_base64(value, credentials)) return false;
  // Digests of equal length, compared without an early exit: the time taken says nothing about
  // how much of the password was right.
  const std::string given = sha256_hex(credentials);
  OPENSSL_cleanse(credentials.data(), credentials.size());
  return CRYPTO_memcmp(given.data(), expected_digest_.data(), expected_digest_.size()) == 0;
}

}  // namespace df::daemon
