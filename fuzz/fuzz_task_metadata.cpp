// meta.json read back at start-up (a corrupted or hostile data directory): decode never crashes;
// what decodes is self-consistent and round-trips.
#include "fuzz_check.hpp"
#include "storage/task_metadata.hpp"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const auto m = df::storage::decode_metadata(std::string_view(reinterpret_cast<const char*>(data), size));
  if (m) {
    if (m->content_length) DF_FUZZ_CHECK(m->verified.size() == m->layout().piece_count());
    if (m->complete) DF_FUZZ_CHECK(m->verified.all());
    const auto back = df::storage::decode_metadata(df::storage::encode_metadata(*m));
    DF_FUZZ_CHECK(back && df::storage::encode_metadata(*back) == df::storage::encode_metadata(*m));
  }
  return 0;
}
