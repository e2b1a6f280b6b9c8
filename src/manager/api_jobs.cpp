// Jobs, for /api/v1/jobs (admin token) and /oapi/v1/jobs (personal access tokens): create,
// list, get, PATCH (bio, or state CANCELED), cancel, copy, delete.
#include "manager/api_handlers.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_reader.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

// Refuses ids of clusters that do not exist (400, naming the index): nothing is queued.
void check_clusters(api_context& ctx, const std::vector<std::int64_t>& ids) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto c = ctx.db.get_scheduler_cluster(ids[i]);
    if (!c && c.error() == store_errc::not_found)
      throw invalid_value("scheduler_cluster_ids[" + std::to_string(i) + "]", "no scheduler cluster " +
                                                                                 std::to_string(ids[i]));
    value_or_throw(c, "scheduler cluster");
  }
}

api_response queue(api_context& ctx, const job_record& j, bool dragonfly) {
  if (!ctx.job_rate.admit(j.scheduler_cluster_ids, ctx.now_ms()))
    throw api_error(429, "too_many_requests", "too many jobs created for these clusters this second; try again");
  const auto created = value_or_throw(ctx.db.create_job(j, ctx.now_ms()), "job");
  spdlog::info("manager: queued {} job {}{}", created.type, created.id, created.cron.empty() ? "" : " (" + created.cron + ")");
  return json_response(dragonfly ? 200 : 201, to_json(created, dragonfly));
}

}  // namespace

api_response queue_job(api_context& ctx, const job_record& j, bool dragonfly) { return queue(ctx, j, dragonfly); }

namespace {

api_response create_job(api_context& ctx, const api_request& req, bool dragonfly) {
  const auto j = decode_job(parse_body(req.body), ctx.now_ms());
  check_clusters(ctx, j.scheduler_cluster_ids);
  return queue(ctx, j, dragonfly);
}

api_response copy_job(api_context& ctx, std::int64_t id, bool dragonfly) {
  const auto old = value_or_throw(ctx.db.get_job(id), "job");
  if (old.state == job_state::pending || old.state == job_state::running)
    throw api_error(409, "conflict", "job " + std::to_string(id) + " has not finished; cancel it or wait");
  job_record j;
  j.type = old.type;
  j.bio = old.bio;
  j.args = old.args;
  j.scheduler_cluster_ids = old.scheduler_cluster_ids;
  j.next_run_at = ctx.now_ms();
  return queue(ctx, j, dragonfly);
}

api_response cancel_job(api_context& ctx, std::int64_t id, bool dragonfly) {
  auto canceled = ctx.db.cancel_job(id, ctx.now_ms());
  if (!canceled && canceled.error() == store_errc::conflict)
    throw api_error(409, "conflict", "job " + std::to_string(id) + " has finished already");
  const auto j = value_or_throw(std::move(canceled), "job");
  spdlog::info("manager: canceled job {}", id);
  return json_response(200, to_json(j, dragonfly));
}

api_response update_job(api_context& ctx, const api_request& req, std::int64_t id, bool dragonfly) {
  const json body = parse_body(req.body);
  std::string bio, state;
  json_reader r(body, "");
  const bool has_bio = r.read("bio", bio);
  r.read("state", state);
  std::int64_t user_id = 0;
  r.read("user_id", user_id);
  r.finish();
  if (!state.empty() && state != "CANCELED") throw invalid_value("state", "only CANCELED can be set");
  if (has_bio) value_or_throw(ctx.db.update_job_bio(id, bio, ctx.now_ms()), "job");
  if (!state.empty()) return cancel_job(ctx, id, dragonfly);
  return json_response(200, to_json(value_or_throw(ctx.db.get_job(id), "job"), dragonfly));
}

// ?state=PENDING (any job state) next to page and per_page.
std::string state_filter(std::string_view query) {
  const auto at = query.find("state=");
  if (at == std::string_view::npos || (at > 0 && query[at - 1] != '&')) return {};
  auto value = query.substr(at + 6);
  value = value.substr(0, value.find('&'));
  if (!job_state_from(value)) throw invalid_value("state", "PENDING, RUNNING, SUCCESS, FAILURE or CANCELED");
  return std::string(value);
}

}  // namespace

api_response handle_jobs(api_context& ctx, const routed_request& r, bool dragonfly) {
  const auto& m = r.raw.method;
  const auto to_item = [dragonfly](const job_record& j) { return to_json(j, dragonfly); };
  if (r.segments.size() == 1) {
    if (m == "GET") return list_response(ctx.db.list_jobs(parse_page(r.raw.query), state_filter(r.raw.query)), to_item);
    if (m == "POST") return create_job(ctx, r.raw, dragonfly);
    method_not_allowed("GET, POST");
  }
  const auto id = path_id(r.segments[1]);
  if (r.segments.size() == 3) {
    if (m != "POST") method_not_allowed("POST");
    if (r.segments[2] == "cancel") return cancel_job(ctx, id, dragonfly);
    if (r.segments[2] == "copy") return copy_job(ctx, id, dragonfly);
  }
  if (r.segments.size() != 2) throw api_error(404, "not_found", "no such resource");
  if (m == "GET") return json_response(200, to_json(value_or_throw(ctx.db.get_job(id), "job"), dragonfly));
  if (m == "PATCH") return update_job(ctx, r.raw, id, dragonfly);
  if (m == "DELETE") {
    value_or_throw(ctx.db.delete_job(id), "job");
    spdlog::info("manager: deleted job {}", id);
    return json_response(200, {{"id", id}});
  }
  method_not_allowed("GET, PATCH, DELETE");
}

}  // namespace df::manager
