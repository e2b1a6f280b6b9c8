// Frame headers from the network: decode never crashes and never accepts an oversized payload.
#include "fuzz_check.hpp"
#include "net/frame.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const auto h = df::net::decode_frame_header(std::string_view(reinterpret_cast<const char*>(data), size));
  if (h) {
    DF_FUZZ_CHECK(size == df::net::frame_header_size);
    DF_FUZZ_CHECK(h->length <= df::net::max_message_payload && h->length <= df::net::max_data_payload);
    const auto again = df::net::encode_frame_header(h->kind, h->length);
    DF_FUZZ_CHECK(std::string_view(again.data(), again.size()) ==
                  std::string_view(reinterpret_cast<const char*>(data), size));
  }
  return 0;
}
