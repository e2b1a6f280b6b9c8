// /api/v1/personal-access-tokens: the Open API's tokens, managed with the admin token, by super
// admins, and by each user with token:write for their own (docs/console.md).
#include "manager/api_handlers.hpp"
#include "manager/job_codec.hpp"
#include "manager/token_auth.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

// The token `id`, when the caller may see it (a user limited to their own: 404 for another's).
personal_access_token visible_token(api_context& ctx, const api_request& req, std::int64_t id) {
  auto t = value_or_throw(ctx.db.get_token(id), "personal access token");
  if (req.own_tokens_only && t.user_id != req.user_id) throw api_error(404, "not_found", "personal access token not found");
  return t;
}

api_response create_token(api_context& ctx, const api_request& req) {
  const auto now = ctx.now_ms();
  auto t = decode_token(parse_body(req.body), now);
  t.user_id = req.user_id;
  const auto token = generate_token();
  t.token_hash = token_hash(token);
  const auto created = value_or_throw(ctx.db.create_token(t, now), "a token named '" + t.name + "'");
  spdlog::info("manager: created personal access token {} '{}'", created.id, created.name);
  auto body = to_json(created);
  body["token"] = token;  // shown once: only its hash is kept
  return json_response(201, body);
}

api_response update_token(api_context& ctx, const api_request& req, std::int64_t id) {
  auto t = visible_token(ctx, req, id);
  apply_token_fields(parse_body(req.body), t);
  const auto updated = value_or_throw(ctx.db.update_token(t, ctx.now_ms()), "personal access token");
  spdlog::info("manager: updated personal access token {} (state {})", id, updated.state);
  return json_response(200, to_json(updated));
}

}  // namespace

api_response handle_personal_access_tokens(api_context& ctx, const routed_request& r) {
  const auto& m = r.raw.method;
  if (r.segments.size() == 1) {
    if (m == "GET")
      return list_response(ctx.db.list_tokens(parse_page(r.raw.query), r.raw.own_tokens_only ? r.raw.user_id : 0),
                           [](const personal_access_token& t) { return to_json(t); });
    if (m == "POST") return create_token(ctx, r.raw);
    method_not_allowed("GET, POST");
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  const auto id = path_id(r.segments[1]);
  if (m == "GET") return json_response(200, to_json(visible_token(ctx, r.raw, id)));
  if (m == "PATCH") return update_token(ctx, r.raw, id);
  if (m == "DELETE") {
    visible_token(ctx, r.raw, id);
    value_or_throw(ctx.db.delete_token(id), "personal access token");
    spdlog::info("manager: deleted personal access token {}", id);
    return json_response(200, {{"id", id}});
  }
  method_not_allowed("GET, PATCH, DELETE");
}

}  // namespace df::manager
