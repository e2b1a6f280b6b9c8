// URLs and query filters from requests: parsing, filtering and task IDs never crash; a parsed
// URL's text parses again to the same URL; task IDs are always valid.
#include "core/ids.hpp"
#include "core/url.hpp"
#include "fuzz_check.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (const auto u = df::parse_url(text)) {
    const auto again = df::parse_url(u->to_string());
    DF_FUZZ_CHECK(again && again->to_string() == u->to_string());
  }
  const auto half = text.size() / 2;
  const auto filters = df::split_filter(text.substr(0, half));
  (void)df::filter_query(text.substr(half), filters);
  DF_FUZZ_CHECK(df::is_valid_task_id(df::compute_task_id({text, text.substr(0, half), text.substr(half), filters})));
  return 0;
}
