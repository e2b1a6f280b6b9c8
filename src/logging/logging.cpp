#include "logging/logging.hpp"

#include "core/units.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <memory>

namespace df::logging {

namespace {

void escape_into(std::string& out, std::string_view s) {
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;  // UTF-8 passes through; invalid bytes are the shipper's to replace
        }
    }
  }
}

bool is_hex(std::string_view s) {
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

/// %* in the JSON pattern: the escaped message and the task ID when there is one.
class json_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const auto fields = json_fields(std::string(msg.payload.data(), msg.payload.size()));
    dest.append(fields.data(), fields.data() + fields.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message_flag>(); }
};

}  // namespace

std::string json_fields(const std::string& message) {
  std::string out = "\"msg\":\"";
  escape_into(out, message);
  out += '"';
  constexpr std::string_view prefix = "task ";
  constexpr std::size_t id_size = 64;
  if (message.compare(0, prefix.size(), prefix) == 0 && message.size() >= prefix.size() + id_size) {
    const auto id = std::string_view(message).substr(prefix.size(), id_size);
    const bool ends = message.size() == prefix.size() + id_size || !std::isxdigit(message[prefix.size() + id_size]);
    if (is_hex(id) && ends) {
      out += ",\"task_id\":\"";
      out += id;
      out += '"';
    }
  }
  return out;
}

void add_flags(CLI::App& app, options& o) {
  app.add_option("--log-format", o.format, "text (default) or json: one JSON object per line, for log shippers")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-file", o.file, "write the log to this file instead of standard output, rotated by size");
  app.add_option("--log-max-size", o.max_size, "with --log-file: rotate at this size (default 100MiB)");
  app.add_option("--log-max-files", o.max_files, "with --log-file: rotated files kept (default 5)")
      ->check(CLI::Range(1u, 1000u));
}

std::string apply(const options& o, const std::string& level, const std::string& component) {
  const auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return "log level '" + level + "' is not one of trace, debug, info, warn, error";
  if (o.format != "text" && o.format != "json") return "--log-format must be text or json, not '" + o.format + "'";
  spdlog::sink_ptr sink;
  if (o.file.empty() && o.format == "json") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else if (o.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();  // spdlog's own default, as before
  } else {
    const auto size = parse_size(o.max_size);
    if (!size || *size < 4096) return "--log-max-size '" + o.max_size + "' is not a size of at least 4KiB";
    try {
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(o.file, static_cast<std::size_t>(*size),
                                                                    o.max_files);
    } catch (const spdlog::spdlog_ex& e) {
      return "cannot open the log file " + o.file + ": " + e.what();
    }
  }
  if (o.format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<json_message_flag>('*');
    formatter->set_pattern("{\"time\":\"%Y-%m-%dT%H:%M:%S.%fZ\",\"level\":\"%l\",\"component\":\"" + component +
                           "\",%*}");
    sink->set_formatter(std::move(formatter));
  }
  auto logger = std::make_shared<spdlog::logger>("", sink);  // unnamed: text lines look as they always did
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  if (!o.file.empty()) spdlog::flush_every(std::chrono::seconds(1));
  return {};
}

}  // namespace df::logging
