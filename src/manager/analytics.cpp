#include "manager/analytics.hpp"

#include "manager/job_codec.hpp"

#include <algorithm>

namespace df::manager {

std::int64_t analytics_window::first_start() const {
  if (bucket_ms <= 0) return from_ms;
  const auto q = from_ms / bucket_ms;
  return (from_ms % bucket_ms < 0 ? q - 1 : q) * bucket_ms;
}

std::int64_t analytics_window::bucket_count() const {
  if (to_ms <= from_ms || bucket_ms <= 0) return 0;
  return (to_ms - first_start() + bucket_ms - 1) / bucket_ms;
}

std::int64_t nearest_rank(std::vector<std::int64_t>& values, int p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  const auto n = static_cast<std::int64_t>(values.size());
  auto rank = (static_cast<std::int64_t>(p) * n + 99) / 100;
  rank = std::clamp<std::int64_t>(rank, 1, n);
  return values[static_cast<std::size_t>(rank - 1)];
}

analytics_stats summarize(const std::vector<const download_record*>& rows) {
  analytics_stats s;
  std::vector<std::int64_t> durations;
  durations.reserve(rows.size());
  for (const auto* r : rows) {
    ++s.count;
    ++(r->success ? s.succeeded : s.failed);
    durations.push_back(r->duration_ms);
    s.bytes_total += r->content_bytes;
    s.bytes_from_peers += r->bytes_from_peers;
    s.bytes_from_origin += r->bytes_from_origin;
  }
  s.p50_ms = nearest_rank(durations, 50);
  s.p95_ms = nearest_rank(durations, 95);
  return s;
}

nlohmann::json to_json(const analytics_stats& s, bool with_bytes) {
  nlohmann::json j = {{"count", s.count},   {"succeeded", s.succeeded}, {"failed", s.failed},
                      {"p50_ms", s.p50_ms}, {"p95_ms", s.p95_ms}};
  if (with_bytes) {
    j["bytes_total"] = s.bytes_total;
    j["bytes_from_peers"] = s.bytes_from_peers;
    j["bytes_from_origin"] = s.bytes_from_origin;
  }
  return j;
}

nlohmann::json aggregate(const std::vector<download_record>& rows, const analytics_window& w, bool with_bytes) {
  const auto n = w.bucket_count();
  const auto first = w.first_start();
  std::vector<std::vector<const download_record*>> buckets(static_cast<std::size_t>(n));
  std::vector<const download_record*> all;
  for (const auto& r : rows) {
    if (r.finished_at < w.from_ms || r.finished_at >= w.to_ms) continue;
    buckets[static_cast<std::size_t>((r.finished_at - first) / w.bucket_ms)].push_back(&r);
    all.push_back(&r);
  }
  nlohmann::json out = {{"bucket", w.bucket_ms / 1000}, {"buckets", nlohmann::json::array()}};
  for (std::int64_t i = 0; i < n; ++i) {
    auto b = to_json(summarize(buckets[static_cast<std::size_t>(i)]), with_bytes);
    b["start"] = format_rfc3339(first + i * w.bucket_ms);
    out["buckets"].push_back(std::move(b));
  }
  out["totals"] = to_json(summarize(all), with_bytes);
  return out;
}

}  // namespace df::manager
