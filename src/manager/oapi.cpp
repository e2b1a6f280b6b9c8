// /oapi/v1: the Open API Dragonfly's clients (Harbor's preheat provider, scripts) call, with a
// personal access token instead of the admin token.
#include "manager/api_handlers.hpp"
#include "manager/token_auth.hpp"

namespace df::manager {

namespace {

constexpr std::string_view oapi_prefix = "/oapi/v1/";

api_response route_oapi(api_context& ctx, const api_request& req, std::string_view authorization) {
  if (req.path.compare(0, oapi_prefix.size(), oapi_prefix) != 0) throw api_error(404, "not_found", "no such resource");
  const routed_request r{req, split_path(std::string_view(req.path).substr(oapi_prefix.size()))};
  const auto resource = r.segments.empty() ? std::string_view() : r.segments[0];
  if (resource == "jobs") {
    authenticate_token(ctx.db, authorization, "job", ctx.now_ms());
    return handle_jobs(ctx, r, true);
  }
  if (resource == "clusters") {
    authenticate_token(ctx.db, authorization, "cluster", ctx.now_ms());
    if (r.raw.method != "GET") method_not_allowed("GET");
    if (r.segments.size() == 1)
      return list_response(ctx.db.list_scheduler_clusters(parse_page(r.raw.query)),
                           [](const scheduler_cluster& c) { return to_json(c); });
    if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
    return json_response(200, to_json(value_or_throw(ctx.db.get_scheduler_cluster(path_id(r.segments[1])),
                                                     "scheduler cluster")));
  }
  throw api_error(404, "not_found", "no such resource");
}

}  // namespace

api_response handle_oapi(api_context& ctx, const api_request& req, std::string_view authorization) {
  auto res = answer_errors(req, [&] { return route_oapi(ctx, req, authorization); });
  if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

}  // namespace df::manager
