#include "manager/request_auth.hpp"

#include "manager/admin_token.hpp"
#include "manager/api_error.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/cidr.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_codec.hpp"
#include "net/cert_mint.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

namespace df::manager {

request_authenticator::request_authenticator(std::string admin_token, std::string component_token,
                                             net::tls_identity* tls)
    : admin_token_(std::move(admin_token)), component_token_(std::move(component_token)), tls_(tls) {}

caller request_authenticator::identify(const net::http_request& r, std::string& why) const {
  const auto authorization = r.header("Authorization");
  if (!authorization.empty()) {
    if (bearer_matches(authorization, admin_token_)) return {caller::kind::admin, {}};
    if (!component_token_.empty() && bearer_matches(authorization, component_token_))
      return {caller::kind::component_token, {}};
    why = "the bearer token is not the admin token or the component token";
    return {};
  }
  if (!r.tls || !tls_ || tls_->mode() != security_mode::mtls) return {};
  net::x509_ptr cert(SSL_get1_peer_certificate(r.tls));
  if (!cert) return {};
  auto id = tls_->check_certificate(cert.get(), why);
  if (!id) return {};
  return {caller::kind::certificate, std::move(*id), serial_of(cert.get())};
}

namespace {

// The body's string field `name` when the body is a JSON object with a string there.
std::optional<std::string> string_field(std::string_view body, const char* name) {
  try {
    const auto j = parse_body(body);
    const auto it = j.find(name);
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  } catch (const api_error&) {
    // Malformed: the API answers 400 with the reason.
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> address_binding_violation(const caller& who, std::string_view method, std::string_view path,
                                                     std::string_view body, std::string_view remote_address) {
  if (who.how != caller::kind::component_token && who.how != caller::kind::certificate) return std::nullopt;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (method != "POST" || (path != "/api/v1/schedulers" && path != "/api/v1/seed-peers")) return std::nullopt;
  const auto ip = string_field(body, "ip");
  const auto claimed = ip ? parse_ip(*ip) : std::nullopt;
  if (!claimed) return std::nullopt;  // no or a malformed "ip": the API answers 400
  const auto remote = parse_ip(remote_address);
  if (remote && remote->bytes == claimed->bytes) return std::nullopt;
  return fmt::format("a component registers only the address it connects from: \"ip\" is {} but this request "
                     "came from {} (connect to the manager over the network you advertise)",
                     *ip, remote_address);
}

std::optional<std::string> name_binding_violation(store& db, const caller& who, const access_decision& d,
                                                  std::string_view body) {
  if (who.how != caller::kind::certificate) return std::nullopt;
  if (d.binding == name_binding::body_hostname) return body_name_mismatch(who.identity, string_field(body, "hostname"));
  if (d.row_id <= 0) return std::nullopt;  // no row named: the API answers 404
  if (d.binding == name_binding::scheduler_row) {
    if (const auto row = db.get_scheduler(d.row_id)) return row_name_mismatch(who.identity, "scheduler", row->hostname);
  } else if (d.binding == name_binding::seed_peer_row) {
    if (const auto row = db.get_seed_peer(d.row_id)) return row_name_mismatch(who.identity, "seed peer", row->hostname);
  }
  return std::nullopt;
}

std::optional<std::string> cluster_binding_violation(store& db, const caller& who, const access_decision& d,
                                                     std::string_view body, std::int64_t now) {
  if (who.how != caller::kind::user) return std::nullopt;
  if (d.clusters == cluster_binding::job_body) {
    try {
      return job_cluster_violation(decode_job(parse_body(body), now).scheduler_cluster_ids, who.scheduler_cluster_ids);
    } catch (const api_error&) {
      return std::nullopt;  // the API answers 400 with the reason
    }
  }
  if (d.clusters == cluster_binding::job_row && d.row_id > 0) {
    if (const auto job = db.get_job(d.row_id)) return job_cluster_violation(job->scheduler_cluster_ids, who.scheduler_cluster_ids);
  }
  return std::nullopt;
}

}  // namespace df::manager
