#pragma once
// dfget's progress line: bytes, rate, ETA, and how much came from peers versus the origin.

#include <cstdint>
#include <string>

namespace df::cli {

/// One snapshot of a download, as the progress line shows it.
struct progress_snapshot {
  std::uint64_t received = 0;
  std::int64_t total = -1;  // -1 = unknown
  double seconds = 0;       // since the start
  std::uint64_t from_peers = 0, from_seed = 0, from_origin = 0, from_cache = 0;
};

/// The progress line for a snapshot, at most `width` columns, without a trailing newline.
std::string render_progress(const progress_snapshot& s, int width);
/// The one-line summary printed after a successful download.
std::string render_summary(const progress_snapshot& s, bool back_to_source);

}  // namespace df::cli
