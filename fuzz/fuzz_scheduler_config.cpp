// dfscheduler.yaml (a file an operator edits by hand): parsing never crashes; bad input is a
// config_error with a message; what validates prints as YAML that parses to the same settings.
#include "core/yaml_config.hpp"
#include "scheduler/config.hpp"
#include "fuzz_check.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto c = df::scheduler::config::parse(text);
    c.validate();
    const std::string printed = c.to_yaml();
    DF_FUZZ_CHECK(df::scheduler::config::parse(printed).to_yaml() == printed);
  } catch (const df::config_error&) {
    // expected for malformed input
  }
  return 0;
}
