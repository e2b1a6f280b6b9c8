// dfmanager's request bodies (from anyone who reaches the API port): parsing and validation never
// crash and never throw anything but api_error; what validates survives a JSON round trip, and
// scope matching (globs, CIDRs) takes any host it describes.
#include "fuzz_check.hpp"
#include "manager/api_error.hpp"
#include "manager/json_codec.hpp"
#include "manager/scope_match.hpp"

#include <string>

namespace {

using namespace df::manager;

template <class F>
void refused_or_done(F f) {
  try {
    f();
  } catch (const api_error& e) {
    DF_FUZZ_CHECK(e.status >= 400 && e.status < 500);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  refused_or_done([&] {
    const json body = parse_body(text);
    refused_or_done([&] {
      scheduler_cluster c;
      c.id = 1;
      apply_cluster_fields(body, c);
      DF_FUZZ_CHECK(scopes_from_json(to_json(c.scopes)) == c.scopes);
      DF_FUZZ_CHECK(config_from_json(to_json(c.config)) == c.config);
      const auto host = decode_host(body);  // the same body as a host, matched against itself
      const auto ranks = rank_clusters({host.hostname, host.ip, host.idc, host.location}, {c});
      DF_FUZZ_CHECK(ranks.size() <= 1);
    });
    refused_or_done([&] { decode_scheduler(body); });
    refused_or_done([&] { decode_seed_peer(body); });
  });
  // The same bytes as a glob and a name, split in the middle.
  const auto half = text.size() / 2;
  glob_match(std::string_view(text).substr(0, half), std::string_view(text).substr(half));
  return 0;
}
