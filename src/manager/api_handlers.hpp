#pragma once
// The handlers behind handle_api, one file per resource (api_clusters.cpp, api_components.cpp),
// and the helpers they share. Internal to src/manager.

#include "manager/api.hpp"
#include "manager/api_error.hpp"
#include "manager/json_codec.hpp"

#include <functional>
#include <optional>
#include <string_view>

namespace df::manager {

/// A request with its path split after "/api/v1/": {"scheduler-clusters", "3"}.
struct routed_request {
  const api_request& raw;
  std::vector<std::string_view> segments;
};

/// A JSON answer with `status`.
api_response json_response(int status, const json& body);
/// The value, or the api_error its store error maps to (404, 409, 503).
template <class T>
T value_or_throw(result<T> r, std::string_view what) {
  if (!r) {
    const auto ec = r.error();
    if (ec == store_errc::not_found) throw api_error(404, "not_found", std::string(what) + " not found");
    if (ec == store_errc::conflict) throw api_error(409, "conflict", std::string(what) + " exists already");
    throw api_error(503, "store_unavailable", "the database is unavailable; try again");
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}
/// A list answer: one page of rows through `to_item` as a JSON array, the total over every page
/// in X-Total-Count.
template <class T, class F>
api_response list_response(result<page<T>> listed, F&& to_item) {
  const auto p = value_or_throw(std::move(listed), "rows");
  json items = json::array();
  for (const auto& x : p.items) items.push_back(to_item(x));
  auto r = json_response(200, items);
  r.headers.emplace_back("X-Total-Count", std::to_string(p.total));
  return r;
}
/// The id in a path segment (a positive decimal integer), else 404.
std::int64_t path_id(std::string_view segment);
/// page and per_page from the query (defaults 1 and 50, per_page at most max_per_page).
page_request parse_page(std::string_view query);
/// The percent-decoded value of `key` in a query ("a=1&b=x%2Fy"), or nullopt when absent; at
/// most 1024 characters (else a 400).
std::optional<std::string> query_value(std::string_view query, std::string_view key);
/// 405 naming the allowed methods.
[[noreturn]] void method_not_allowed(std::string_view allowed);

api_response handle_scheduler_clusters(api_context& ctx, const routed_request& r);
api_response handle_seed_peer_clusters(api_context& ctx, const routed_request& r);
api_response handle_schedulers(api_context& ctx, const routed_request& r);
api_response handle_seed_peers(api_context& ctx, const routed_request& r);
api_response handle_hosts(api_context& ctx, const routed_request& r);
api_response handle_personal_access_tokens(api_context& ctx, const routed_request& r);
api_response handle_enrollment_tokens(api_context& ctx, const routed_request& r);
api_response handle_users(api_context& ctx, const routed_request& r);
api_response handle_roles(api_context& ctx, const routed_request& r);
api_response handle_permissions(api_context& ctx, const routed_request& r);
api_response handle_audits(api_context& ctx, const routed_request& r);
/// GET /api/v1/analytics/downloads and /analytics/jobs (api_analytics.cpp).
api_response handle_analytics(api_context& ctx, const routed_request& r);
/// POST /api/v1/schedulers/{id}/downloads: the scheduler's finished downloads, held to its cluster.
api_response handle_scheduler_downloads(api_context& ctx, const routed_request& r);
/// Most records one POST /api/v1/schedulers/{id}/downloads may carry (more is a 400).
inline constexpr std::size_t max_download_batch = 500;
/// Jobs for both APIs; `dragonfly` = the Open API's answers (200 on create, Dragonfly's states).
api_response handle_jobs(api_context& ctx, const routed_request& r, bool dragonfly);

/// Queues a decoded job (the per-cluster rate limit applies); answers it as the job APIs do.
api_response queue_job(api_context& ctx, const job_record& j, bool dragonfly);

/// Runs `handle`, turning its api_errors into answers and anything else into a logged 500.
api_response answer_errors(const api_request& req, const std::function<api_response()>& handle);
/// Splits a path into its segments ("a/b" → {"a", "b"}).
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace df::manager
