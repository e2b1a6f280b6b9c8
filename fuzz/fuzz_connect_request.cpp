// What a CONNECT brings to the proxy port: the target ("host:port") and a Proxy-Authorization
// value. Parsing never crashes; an accepted target is a valid certificate host with a port in
// range whose authority parses back to itself; only the configured credentials are authorized.
#include "daemon/connect_policy.hpp"
#include "fuzz_check.hpp"
#include "net/cert_mint.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto nl = text.find('\n');
  const std::string target = text.substr(0, nl);
  const std::string authorization = nl == std::string::npos ? std::string{} : text.substr(nl + 1);
  static const df::daemon::config cfg = [] {
    df::daemon::config c;
    c.proxy.hijack_https.cert = "/ca.pem";
    c.proxy.hijack_https.key = "/ca.key";
    c.proxy.hijack_https.hosts = {"^registry\\.example:443$", "\\.internal:"};
    c.proxy.basic_auth = {"user", "pass"};
    return c;
  }();
  static const df::daemon::connect_policy policy(cfg.proxy);
  if (const auto t = df::daemon::parse_connect_target(target)) {
    DF_FUZZ_CHECK(target.size() <= df::daemon::max_connect_target);
    DF_FUZZ_CHECK(df::net::valid_certificate_host(t->host) && t->port != 0);
    const auto again = df::daemon::parse_connect_target(t->authority());
    DF_FUZZ_CHECK(again && again->host == t->host && again->port == t->port);
    policy.decide(*t);
  }
  // "dXNlcjpwYXNz" is user:pass; any other value that passes must decode to the same.
  if (policy.authorized(authorization)) DF_FUZZ_CHECK(authorization.find("dXNlcjpwYXNz") != std::string::npos);
  return 0;
}
