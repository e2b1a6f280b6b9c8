// Local API messages from any local process: decode never crashes; what decodes re-encodes
// to something that decodes to the same text.
#include "fuzz_check.hpp"
#include "net/local_protocol.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto m = df::net::local::decode(text);
  if (m) {
    const std::string again = df::net::local::encode(*m);
    const auto back = df::net::local::decode(again);
    DF_FUZZ_CHECK(back && df::net::local::encode(*back) == again);
  }
  return 0;
}
