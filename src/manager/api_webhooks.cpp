// POST /api/v1/webhooks/registry: automatic preheat on push (docs/preheat.md).
#include "manager/api_handlers.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_codec.hpp"
#include "manager/token_auth.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

api_response webhook(api_context& ctx, const api_request& req, std::string_view authorization) {
  if (req.method != "POST") method_not_allowed("POST");
  authenticate_token(ctx.db, authorization, "job", ctx.now_ms());
  const auto images = parse_registry_notification(parse_body(req.body), ctx.harbor_scheme);
  nlohmann::json jobs = nlohmann::json::array();
  std::size_t ignored = 0;
  for (const auto& image : images) {
    const auto* rule = matching_rule(ctx.webhook_rules, image);
    if (!rule) {
      ++ignored;
      continue;
    }
    nlohmann::json args{{"type", "image"}, {"url", image.manifest_url}, {"scope", rule->scope}};
    if (!rule->username.empty()) {
      args["username"] = rule->username;
      args["password"] = rule->password;
    }
    const nlohmann::json body{{"type", "preheat"},
                              {"bio", "pushed " + image.repository + ":" + image.tag},
                              {"args", args},
                              {"scheduler_cluster_ids", rule->scheduler_cluster_ids}};
    const auto queued = queue_job(ctx, decode_job(body, ctx.now_ms()), false);
    const auto id = nlohmann::json::parse(queued.body).value("id", std::int64_t{0});
    spdlog::info("manager: {}:{} pushed; preheat job {}", image.repository, image.tag, id);
    jobs.push_back({{"id", id}, {"url", image.manifest_url}});
  }
  return json_response(202, {{"jobs", jobs}, {"ignored", ignored}});
}

}  // namespace

api_response handle_registry_webhook(api_context& ctx, const api_request& req, std::string_view authorization) {
  auto res = answer_errors(req, [&] { return webhook(ctx, req, authorization); });
  if (res.status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
  return res;
}

}  // namespace df::manager
