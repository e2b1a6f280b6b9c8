// /api/v1/analytics/downloads and /api/v1/analytics/jobs (readable by every signed-in role), and
// POST /api/v1/schedulers/{id}/downloads, where a scheduler reports finished peer downloads
// (docs/manager.md, "Analytics").
#include "manager/analytics_store.hpp"
#include "manager/api_handlers.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_reader.hpp"

#include <charconv>
#include <limits>
#include <map>

namespace df::manager {

namespace {

constexpr std::int64_t hour_ms = 3600 * 1000;
constexpr std::int64_t max_bucket_seconds = 366LL * 24 * 3600;
constexpr std::size_t max_rows_read = 1000000;  // one query's rows (the table's own cap: analytics.max_rows)
constexpr std::int64_t max_record_age_ms = 7LL * 24 * hour_ms;
constexpr std::int64_t max_clock_skew_ms = 5LL * 60 * 1000;
constexpr std::int64_t max_record_bytes = std::int64_t{1} << 53;
constexpr std::int64_t max_record_duration_ms = 7LL * 24 * hour_ms;

std::int64_t time_param(std::string_view query, const char* key, std::int64_t fallback) {
  const auto text = query_value(query, key);
  if (!text || text->empty()) return fallback;
  const auto ms = parse_rfc3339(*text);
  if (!ms) throw invalid_value(key, "must be an RFC 3339 time such as 2026-12-08T00:00:00Z");
  return *ms;
}

std::int64_t int_param(std::string_view query, const char* key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
  const auto text = query_value(query, key);
  if (!text || text->empty()) return fallback;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || end != text->data() + text->size() || v < lo || v > hi)
    throw invalid_value(key, "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

// from, to and bucket from the query: to = now, from = to - 24 h, bucket = 3600 s by default.
analytics_window parse_window(const api_context& ctx, std::string_view query) {
  analytics_window w;
  w.to_ms = time_param(query, "to", ctx.now_ms());
  w.from_ms = time_param(query, "from", w.to_ms - 24 * hour_ms);
  w.bucket_ms = int_param(query, "bucket", 3600, 1, max_bucket_seconds) * 1000;
  if (w.from_ms >= w.to_ms) throw invalid_value("from", "must be before to");
  if (w.bucket_count() > max_analytics_buckets)
    throw invalid_value("bucket", "the range spans more than " + std::to_string(max_analytics_buckets) +
                                      " buckets; widen the bucket or narrow the range");
  return w;
}

// The per-cluster totals: every known cluster (zeros when it has no rows), and any cluster a row
// names that is gone since (its name "").
json cluster_totals(api_context& ctx, const std::vector<download_record>& rows, const analytics_window& w,
                    std::int64_t only) {
  std::map<std::int64_t, std::pair<std::string, std::vector<const download_record*>>> by_cluster;
  for (const auto& c : value_or_throw(ctx.db.all_scheduler_clusters(), "scheduler clusters"))
    if (only == 0 || c.id == only) by_cluster[c.id].first = c.name;
  for (const auto& r : rows)
    if (r.finished_at >= w.from_ms && r.finished_at < w.to_ms) by_cluster[r.cluster_id].second.push_back(&r);
  json out = json::array();
  for (const auto& [id, named] : by_cluster) {
    auto j = to_json(summarize(named.second), true);
    j["cluster_id"] = id;
    j["name"] = named.first;
    out.push_back(std::move(j));
  }
  return out;
}

api_response analytics_downloads(api_context& ctx, const routed_request& r) {
  const auto w = parse_window(ctx, r.raw.query);
  const auto cluster = int_param(r.raw.query, "cluster_id", 0, 1, std::numeric_limits<std::int64_t>::max());
  const auto rows = value_or_throw(ctx.db.analytics().downloads_between(w.from_ms, w.to_ms, cluster, max_rows_read),
                                   "downloads");
  auto body = aggregate(rows, w, true);
  body["clusters"] = cluster_totals(ctx, rows, w, cluster);
  return json_response(200, body);
}

api_response analytics_jobs(api_context& ctx, const routed_request& r) {
  const auto w = parse_window(ctx, r.raw.query);
  const auto rows = value_or_throw(ctx.db.analytics().jobs_between(w.from_ms, w.to_ms, max_rows_read), "jobs");
  return json_response(200, aggregate(rows, w, false));
}

// A short error word: lowercase letters, digits, '_' and '-'.
bool plain_word(const std::string& s) {
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::int64_t bounded_int(json_reader& in, const char* key, std::int64_t hi, bool required) {
  std::int64_t v = 0;
  if (!in.read(key, v) && required) throw invalid_value(in.name(key), "required");
  if (v < 0 || v > hi) throw invalid_value(in.name(key), "out of range");
  return v;
}

std::string bounded_text(json_reader& in, const char* key, std::size_t max) {
  std::string v;
  in.read(key, v);
  if (v.size() > max) throw invalid_value(in.name(key), "longer than " + std::to_string(max));
  return v;
}

// One reported download, every field checked; held to the reporting scheduler's cluster.
download_record decode_download(const json& j, const std::string& where, std::int64_t cluster, std::int64_t now) {
  json_reader in(j, where);
  download_record d;
  d.finished_at = bounded_int(in, "finished_at", now + max_clock_skew_ms, true);
  if (d.finished_at < now - max_record_age_ms) throw invalid_value(in.name("finished_at"), "older than 7 days");
  std::int64_t claimed = 0;
  if (in.read("cluster_id", claimed) && claimed != cluster)
    throw api_error(403, "forbidden", in.name("cluster_id") + ": this scheduler reports for cluster " +
                                          std::to_string(cluster) + " only");
  d.cluster_id = cluster;
  d.host_id = bounded_text(in, "host_id", 256);
  d.hostname = bounded_text(in, "hostname", 256);
  d.task_id = bounded_text(in, "task_id", 128);
  d.duration_ms = bounded_int(in, "duration_ms", max_record_duration_ms, true);
  d.content_bytes = bounded_int(in, "content_bytes", max_record_bytes, false);
  d.bytes_from_peers = bounded_int(in, "bytes_from_peers", max_record_bytes, false);
  d.bytes_from_origin = bounded_int(in, "bytes_from_origin", max_record_bytes, false);
  if (!in.read("success", d.success)) throw invalid_value(in.name("success"), "required");
  d.error_class = bounded_text(in, "error_class", 32);
  if (!plain_word(d.error_class)) throw invalid_value(in.name("error_class"), "only a-z, 0-9, '_' and '-'");
  in.finish();
  return d;
}

}  // namespace

api_response handle_analytics(api_context& ctx, const routed_request& r) {
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  if (r.raw.method != "GET") method_not_allowed("GET");
  if (r.segments[1] == "downloads") return analytics_downloads(ctx, r);
  if (r.segments[1] == "jobs") return analytics_jobs(ctx, r);
  throw api_error(404, "not_found", "no such resource");
}

api_response handle_scheduler_downloads(api_context& ctx, const routed_request& r) {
  if (r.raw.method != "POST") method_not_allowed("POST");
  const auto scheduler = value_or_throw(ctx.db.get_scheduler(path_id(r.segments[1])), "scheduler");
  const auto body = parse_body(r.raw.body);
  json_reader in(body, "");
  const auto* list = in.object("downloads");
  in.finish();
  if (!list || !list->is_array()) throw invalid_value("downloads", "must be an array");
  if (list->empty() || list->size() > max_download_batch)
    throw invalid_value("downloads", "must hold 1 to " + std::to_string(max_download_batch) + " records");
  std::vector<download_record> rows;
  rows.reserve(list->size());
  const auto now = ctx.now_ms();
  for (std::size_t i = 0; i < list->size(); ++i)
    rows.push_back(decode_download((*list)[i], "downloads[" + std::to_string(i) + "].",
                                   scheduler.scheduler_cluster_id, now));
  value_or_throw(ctx.db.analytics().add_downloads(rows), "downloads");
  return json_response(200, {{"accepted", rows.size()}});
}

}  // namespace df::manager
