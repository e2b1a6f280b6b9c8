#pragma once
// Download and job analytics (issue #13, docs/manager.md "Analytics"): the download records
// schedulers send, and their aggregation into time buckets with counts, nearest-rank p50/p95
// durations and bytes by source. Pure: no store, no clock.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace df::manager {

/// One finished peer download as a scheduler reports it and the `downloads` table keeps it.
struct download_record {
  std::int64_t id = 0;
  std::int64_t finished_at = 0;  // ms since the epoch
  std::int64_t cluster_id = 0;   // the reporting scheduler's cluster (set by the manager)
  std::string host_id, hostname, task_id;
  std::int64_t duration_ms = 0;  // peer registration → done or failed
  std::int64_t content_bytes = 0, bytes_from_peers = 0, bytes_from_origin = 0;
  bool success = false;
  std::string error_class;  // "" on success; a short word ("origin", "digest", …) otherwise
};

/// What one bucket (or a total) sums up: counts, durations and bytes.
struct analytics_stats {
  std::uint64_t count = 0, succeeded = 0, failed = 0;
  std::int64_t p50_ms = 0, p95_ms = 0;
  std::int64_t bytes_total = 0, bytes_from_peers = 0, bytes_from_origin = 0;
};

/// The time range and bucket width of one analytics query; rows finished in [from, to) count.
/// Buckets start at multiples of bucket_ms since the epoch, the first at or before `from`.
struct analytics_window {
  std::int64_t from_ms = 0, to_ms = 0, bucket_ms = 3600000;
  /// The number of buckets the window spans (0 when to <= from).
  std::int64_t bucket_count() const;
  std::int64_t first_start() const;
};

/// Most buckets one query may ask for (more is a 400).
inline constexpr std::int64_t max_analytics_buckets = 1000;

/// The value at percentile p (0–100) of `values` by nearest rank (sorts them); 0 when empty.
std::int64_t nearest_rank(std::vector<std::int64_t>& values, int p);

/// The stats of `rows` (only their counts, durations and bytes are read).
analytics_stats summarize(const std::vector<const download_record*>& rows);

/// The bucketed answer {"bucket", "buckets": [{"start", …stats}], "totals"} over `rows`; rows
/// outside the window are ignored; empty buckets are present with zeros. `with_bytes` false
/// leaves the byte fields out (jobs).
nlohmann::json aggregate(const std::vector<download_record>& rows, const analytics_window& w, bool with_bytes);

/// The stats as JSON (with or without the byte fields).
nlohmann::json to_json(const analytics_stats& s, bool with_bytes);

}  // namespace df::manager
