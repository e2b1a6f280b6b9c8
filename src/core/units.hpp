#pragma once
// Human units in config files and flags: sizes ("30MB", "4MiB", "0") and durations ("30s", "500ms", "2m").

#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace df {

/// Bytes from "123", "30KB", "30MB", "1GB" (powers of 1000) or "4KiB", "4MiB", "1GiB" (powers of 1024).
result<std::uint64_t> parse_size(std::string_view text);

/// A duration from "250ms", "30s", "5m", "1h"; a bare number is seconds.
result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// "12.3 MiB" style text for logs and the progress bar.
std::string format_size(double bytes);

}  // namespace df
