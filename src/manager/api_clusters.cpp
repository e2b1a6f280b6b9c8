// /api/v1/scheduler-clusters and /api/v1/seed-peer-clusters.
#include "manager/api_handlers.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

json to_cluster_json(const scheduler_cluster& c) { return to_json(c); }

api_response create_cluster(api_context& ctx, const api_request& req) {
  const json body = parse_body(req.body);
  if (!body.contains("name")) throw invalid_value("name", "required");
  scheduler_cluster c;
  apply_cluster_fields(body, c);
  auto created = value_or_throw(ctx.db.create_scheduler_cluster(c, ctx.now_ms()), "a cluster named '" + c.name + "'");
  spdlog::info("manager: created scheduler cluster {} '{}'", created.id, created.name);
  return json_response(201, to_json(created));
}

api_response update_cluster(api_context& ctx, const api_request& req, std::int64_t id) {
  const json body = parse_body(req.body);
  auto c = value_or_throw(ctx.db.get_scheduler_cluster(id), "scheduler cluster");
  const bool was_default = c.is_default;
  apply_cluster_fields(body, c);
  if (was_default && !c.is_default)
    throw api_error(409, "conflict", "is_default: make another cluster the default instead");
  auto updated = value_or_throw(ctx.db.update_scheduler_cluster(c, ctx.now_ms()), "a cluster named '" + c.name + "'");
  spdlog::info("manager: updated scheduler cluster {} '{}'", updated.id, updated.name);
  return json_response(200, to_json(updated));
}

api_response delete_cluster(api_context& ctx, std::int64_t id) {
  const auto c = value_or_throw(ctx.db.get_scheduler_cluster(id), "scheduler cluster");
  if (c.is_default) throw api_error(409, "conflict", "the default cluster cannot be deleted");
  value_or_throw(ctx.db.delete_scheduler_cluster(id), "scheduler cluster");
  spdlog::info("manager: deleted scheduler cluster {} '{}'", id, c.name);
  return json_response(200, {{"id", id}});
}

}  // namespace

api_response handle_scheduler_clusters(api_context& ctx, const routed_request& r) {
  const auto& m = r.raw.method;
  if (r.segments.size() == 1) {
    if (m == "GET") return list_response(ctx.db.list_scheduler_clusters(parse_page(r.raw.query)), to_cluster_json);
    if (m == "POST") return create_cluster(ctx, r.raw);
    method_not_allowed("GET, POST");
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  const auto id = path_id(r.segments[1]);
  if (m == "GET") return json_response(200, to_json(value_or_throw(ctx.db.get_scheduler_cluster(id), "scheduler cluster")));
  if (m == "PATCH") return update_cluster(ctx, r.raw, id);
  if (m == "DELETE") return delete_cluster(ctx, id);
  method_not_allowed("GET, PATCH, DELETE");
}

api_response handle_seed_peer_clusters(api_context& ctx, const routed_request& r) {
  if (r.raw.method != "GET") method_not_allowed("GET (seed-peer clusters follow their scheduler cluster)");
  if (r.segments.size() == 1)
    return list_response(ctx.db.list_seed_peer_clusters(parse_page(r.raw.query)),
                         [](const seed_peer_cluster& c) { return to_json(c); });
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  return json_response(200, to_json(value_or_throw(ctx.db.get_seed_peer_cluster(path_id(r.segments[1])),
                                                   "seed-peer cluster")));
}

}  // namespace df::manager
