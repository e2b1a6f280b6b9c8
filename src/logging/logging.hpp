#pragma once
// How a binary logs: level, text or JSON lines (for log shippers), to standard output or to a file rotated
// by size. Every main calls add_flags() and then apply().

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace df::logging {

/// The logging settings a binary takes from its flags.
struct options {
  std::string format = "text";  // "text" or "json"
  std::string file;             // empty: standard output
  std::string max_size = "100MiB";  // rotate the file at this size
  unsigned max_files = 5;       // rotated files kept besides the current one
};

/// Adds --log-format, --log-file, --log-max-size and --log-max-files to `app`.
void add_flags(CLI::App& app, options& o);

/// Sets spdlog's default logger from `o` and `level` ("info", …); `component` names the binary in
/// JSON lines. Returns an empty string, or why the settings cannot be used (a clear message for
/// the user; nothing changed then).
std::string apply(const options& o, const std::string& level, const std::string& component);

/// One JSON log line's message and task fields, escaped: `"msg":"…"` and, when the message is
/// about a task ("task <64 hex>…"), `,"task_id":"…"` (pure; exposed for tests).
std::string json_fields(const std::string& message);

}  // namespace df::logging
