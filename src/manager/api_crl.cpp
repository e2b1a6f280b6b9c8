#include "manager/api_crl.hpp"

#include "manager/api_handlers.hpp"

#include <spdlog/spdlog.h>

namespace df::manager {

namespace {

[[noreturn]] void not_the_ca() {
  throw api_error(404, "not_found", "this manager is not the cluster CA (enrollment.ca_cert, enrollment.ca_key)");
}

// The serials a revoke body names.
std::vector<std::string> serials_named(const json& body, enrollment_store& issued, const certificate_issuer& ca) {
  for (const auto& [key, value] : body.items())
    if (key != "serial" && key != "name" && key != "role" && key != "certificate")
      throw api_error(400, "unknown_field", key + ": not a field of a revocation");
  const int ways = int(body.contains("serial")) + int(body.contains("name")) + int(body.contains("certificate"));
  if (ways != 1 || (body.contains("role") && !body.contains("name")))
    throw api_error(400, "invalid_value", "give exactly one of serial, name (with an optional role) or certificate");
  const auto text = [&](const char* key) {
    if (!body[key].is_string()) throw api_error(400, "wrong_type", std::string(key) + ": must be a string");
    return body[key].get<std::string>();
  };
  if (body.contains("serial")) {
    const auto serial = canonical_serial(text("serial"));
    if (serial.empty()) throw invalid_value("serial", "must be 1 to 40 hex digits");
    return {serial};
  }
  if (body.contains("certificate")) {
    std::string why;
    const auto issued = ca.describe_issued(text("certificate"), why);
    if (!issued) throw invalid_value("certificate", why);
    return {issued->serial};
  }
  const auto role = body.contains("role") ? text("role") : std::string();
  auto serials = value_or_throw(issued.issued_to(role, text("name")), "certificates");
  if (serials.empty()) throw api_error(404, "not_found", "this manager issued no certificate for that name");
  return serials;
}

// f()'s answer, or the api_error it threw as {"code", "message"}.
template <class F>
api_response answered(F&& f) {
  try {
    return f();
  } catch (const api_error& e) {
    auto r = json_response(e.status, {{"code", e.code}, {"message", e.what()}});
    r.error_code = e.code;
    return r;
  }
}

}  // namespace

api_response serve_crl(revocation_list* list, const api_request& req) {
  return answered([&] {
    if (req.method != "GET") method_not_allowed("GET");
    if (!list) not_the_ca();
    api_response r;
    r.body = list->crl_pem();
    r.headers.emplace_back("Content-Type", "application/x-pem-file");
    return r;
  });
}

api_response revoke_certificates(revocation_list* list, const certificate_issuer* ca, enrollment_store& issued,
                                 const api_request& req) {
  return answered([&] {
    if (req.method != "POST") method_not_allowed("POST");
    if (!list || !ca) not_the_ca();
    const auto serials = serials_named(parse_body(req.body), issued, *ca);
    std::string why;
    if (!list->revoke(serials, why)) {
      spdlog::error("dfmanager: revocation not persisted: {}", why);
      throw api_error(503, "store_unavailable", "the revocation could not be recorded or signed; try again");
    }
    for (const auto& s : serials) spdlog::info("dfmanager: revoked certificate serial {}", s);
    return json_response(200, {{"revoked", serials}, {"crl_number", list->crl_number()}});
  });
}

}  // namespace df::manager
