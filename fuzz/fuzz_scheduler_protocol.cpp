// Scheduler protocol messages from untrusted peers: decode never crashes; what decodes re-encodes
// to something that decodes to the same text.
#include "fuzz_check.hpp"
#include "net/scheduler_protocol.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto m = df::net::proto::decode(text);
  if (m) {
    const std::string again = df::net::proto::encode(*m);
    const auto back = df::net::proto::decode(again);
    DF_FUZZ_CHECK(back && df::net::proto::encode(*back) == again);
  }
  return 0;
}
