#include "manager/enrollment.hpp"

#include "manager/admin_token.hpp"
#include "manager/token_auth.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace df::manager {

namespace {

// A JSON error answer {"code", "message"}.
enrollment_answer refusal(int status, const std::string& code, const std::string& message, bool refused) {
  enrollment_answer a;
  a.response.status = status;
  a.response.body = nlohmann::json{{"code", code}, {"message", message}}.dump();
  a.response.error_code = code;
  a.refused = refused;
  return a;
}

// What a presented token grants: the role, and for a token from the API its row (cluster, uses).
struct grant {
  std::string role;
  std::optional<enrollment_token> row;
};

// The grant of `token`, from the YAML first, then the database; nullopt for none (errc unavailable
// in `failed` when the database could not say).
std::optional<grant> find_grant(const std::string& token,
                                const std::vector<std::pair<std::string, std::string>>& yaml_tokens,
                                enrollment_store& db, std::int64_t now_ms, bool& failed) {
  for (const auto& [known, role] : yaml_tokens)
    if (bearer_matches("Bearer " + token, known)) return grant{role, std::nullopt};
  auto row = db.find_enrollment_token(token_hash(token), now_ms);
  if (!row) {
    failed = row.error() != store_errc::not_found;
    return std::nullopt;
  }
  return grant{row->role, std::move(*row)};
}

}  // namespace

enrollment_answer enroll_certificate(const certificate_issuer* ca,
                                     const std::vector<std::pair<std::string, std::string>>& yaml_tokens,
                                     enrollment_store& db, const api_request& req, std::int64_t now_ms) {
  if (!ca) return refusal(404, "not_found", "enrollment is not configured (enrollment.ca_cert)", false);
  if (req.method != "POST") return refusal(405, "method_not_allowed", "allowed: POST", false);
  const auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object() || body.size() != 2 || !body.contains("csr") || !body.contains("token") ||
      !body["csr"].is_string() || !body["token"].is_string())
    return refusal(400, "invalid", "the body must be {\"csr\": PEM, \"token\": bootstrap token}", false);
  bool failed = false;
  const auto granted = find_grant(body["token"].get<std::string>(), yaml_tokens, db, now_ms, failed);
  if (failed) return refusal(503, "store_unavailable", "the database is unavailable; try again", false);
  if (!granted) return refusal(401, "unauthorized", "unknown, expired or used-up enrollment token", true);
  std::string why;
  const auto cert = ca->issue(body["csr"].get<std::string>(), granted->role, why);
  if (!cert) return refusal(400, "invalid", why, true);
  const auto described = ca->describe_issued(*cert, why);
  if (!described) return refusal(500, "internal", why, false);
  issued_record issued{described->serial, granted->role, described->common_name,
                       granted->row ? granted->row->scheduler_cluster_id : 0, described->not_after, now_ms / 1000};
  const auto recorded =
      granted->row ? db.redeem_enrollment_token(granted->row->id, now_ms, issued) : db.record_issued(issued);
  if (!recorded && recorded.error() == store_errc::not_found)  // used up or deleted meanwhile
    return refusal(401, "unauthorized", "unknown, expired or used-up enrollment token", true);
  if (!recorded) return refusal(503, "store_unavailable", "the database is unavailable; try again", false);
  spdlog::info("dfmanager: issued a {} certificate on enrollment (serial {}, cluster {})", granted->role,
               issued.serial, issued.scheduler_cluster_id == 0 ? std::string("any") :
                                                                 std::to_string(issued.scheduler_cluster_id));
  enrollment_answer a;
  a.response.status = 201;
  a.response.body = nlohmann::json{{"certificate", *cert}, {"ca", ca->ca_pem()}}.dump();
  return a;
}

}  // namespace df::manager
