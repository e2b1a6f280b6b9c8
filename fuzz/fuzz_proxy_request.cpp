// What the proxy port reads from a client: the request target (mirror or proxy form), the
// X-Dragonfly-Registry / X-Dragonfly-Use-P2P headers and a Range header. Routing never crashes, a
// route's upstream is always a parseable URL, and a satisfiable range lies inside the body.
#include "core/http_range.hpp"
#include "core/url.hpp"
#include "daemon/proxy_router.hpp"
#include "fuzz_check.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Fields separated by newlines: method, target, registry header, use-p2p header, range header.
  std::string fields[5];
  std::size_t at = 0;
  for (auto& f : fields) {
    const auto nl = text.find('\n', at);
    f = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  static const df::daemon::config cfg = [] {
    df::daemon::config c;
    c.proxy.registries = {{"127.0.0.1:5000", "http://127.0.0.1:5000"}};
    return c;
  }();
  static const df::daemon::proxy_router router(cfg.proxy);
  const auto route = router.route({fields[0], fields[1], fields[2], fields[3]});
  if (route.what != df::daemon::proxy_route::action::reject) DF_FUZZ_CHECK(df::parse_url(route.upstream));
  if (route.what == df::daemon::proxy_route::action::p2p) DF_FUZZ_CHECK(fields[0] == "GET");
  const std::uint64_t total = size * 977;
  df::content_range r;
  if (df::parse_range_header(fields[4], total, r) == df::range_request::partial)
    DF_FUZZ_CHECK(r.first <= r.last && r.last < total && r.total == total);
  return 0;
}
