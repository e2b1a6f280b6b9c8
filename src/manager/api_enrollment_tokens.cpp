// /api/v1/enrollment-tokens: bootstrap tokens for POST /api/v1/certificates, each bound to a role
// and a scheduler cluster, managed with the admin token (docs/manager.md, "Enrollment").
#include "manager/api_handlers.hpp"
#include "manager/enrollment_store.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_reader.hpp"
#include "manager/token_auth.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

constexpr std::int64_t default_expires_in_s = 24 * 3600;
constexpr std::int64_t max_expires_in_s = 366 * 24 * 3600;
constexpr std::int64_t max_max_uses = 1000000;

// A creation body: {"name", "role", "scheduler_cluster_id", "expires_in"?, "max_uses"?}.
enrollment_token decode_enrollment_token(const json& body, std::int64_t now) {
  json_reader r(body, "");
  enrollment_token t;
  std::int64_t expires_in = default_expires_in_s;
  r.read("name", t.name);
  r.read("role", t.role);
  const bool has_cluster = r.read("scheduler_cluster_id", t.scheduler_cluster_id);
  r.read("expires_in", expires_in);
  r.read("max_uses", t.max_uses);
  r.finish();
  if (t.name.empty() || t.name.size() > 128) throw invalid_value("name", "required, at most 128 characters");
  if (t.role != "peer" && t.role != "seed-peer" && t.role != "scheduler")
    throw invalid_value("role", "must be peer, seed-peer or scheduler");
  if (!has_cluster || t.scheduler_cluster_id <= 0) throw invalid_value("scheduler_cluster_id", "required, an id");
  if (expires_in <= 0 || expires_in > max_expires_in_s)
    throw invalid_value("expires_in", "seconds, 1 to " + std::to_string(max_expires_in_s));
  if (t.max_uses < 0 || t.max_uses > max_max_uses)
    throw invalid_value("max_uses", "0 (unlimited) to " + std::to_string(max_max_uses));
  t.expires_at = now + expires_in * 1000;
  return t;
}

// A token as listed: everything but its hash.
json to_json(const enrollment_token& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"role", t.role},
          {"scheduler_cluster_id", t.scheduler_cluster_id},
          {"expires_at", format_rfc3339(t.expires_at)},
          {"max_uses", t.max_uses},
          {"uses", t.uses},
          {"created_at", format_rfc3339(t.created_at)}};
}

api_response create_enrollment_token(api_context& ctx, const api_request& req) {
  const auto now = ctx.now_ms();
  auto t = decode_enrollment_token(parse_body(req.body), now);
  if (!ctx.db.get_scheduler_cluster(t.scheduler_cluster_id))
    throw invalid_value("scheduler_cluster_id", "no scheduler cluster " + std::to_string(t.scheduler_cluster_id));
  const auto token = generate_token("dfe_");
  t.token_hash = token_hash(token);
  const auto created =
      value_or_throw(ctx.db.enrollment().create_enrollment_token(t, now), "an enrollment token named '" + t.name + "'");
  spdlog::info("manager: created enrollment token {} '{}' ({} in cluster {})", created.id, created.name, created.role,
               created.scheduler_cluster_id);
  auto body = to_json(created);
  body["token"] = token;  // shown once: only its hash is kept
  return json_response(201, body);
}

}  // namespace

api_response handle_enrollment_tokens(api_context& ctx, const routed_request& r) {
  const auto& m = r.raw.method;
  auto& db = ctx.db.enrollment();
  if (r.segments.size() == 1) {
    if (m == "GET")
      return list_response(db.list_enrollment_tokens(parse_page(r.raw.query)),
                           [](const enrollment_token& t) { return to_json(t); });
    if (m == "POST") return create_enrollment_token(ctx, r.raw);
    method_not_allowed("GET, POST");
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  const auto id = path_id(r.segments[1]);
  if (m == "GET") return json_response(200, to_json(value_or_throw(db.get_enrollment_token(id), "enrollment token")));
  if (m == "DELETE") {
    value_or_throw(db.delete_enrollment_token(id), "enrollment token");
    spdlog::info("manager: deleted enrollment token {}", id);
    return json_response(200, {{"id", id}});
  }
  method_not_allowed("GET, DELETE");
}

}  // namespace df::manager
