#pragma once
// POST /api/v1/certificates (docs/manager.md, "Enrollment"): a component's certificate request
// and a bootstrap token, from the YAML (enrollment.tokens) or made through the API
// (/api/v1/enrollment-tokens, bound to a scheduler cluster), become a certificate for the token's
// role, recorded in the database with its cluster before it is handed out.

#include "manager/api.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/enrollment_store.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace df::manager {

/// One enrollment's answer, and whether it counts as refused (a token or a certificate request
/// refused; a malformed body or a missing CA is not an enrollment).
struct enrollment_answer {
  api_response response;
  bool refused = false;
};

/// {"csr": PEM, "token": bootstrap token} → 201 {"certificate", "ca"}; 401 for a token that is
/// unknown, expired, used up or deleted; 400 for a malformed body or a request `ca` will not sign;
/// 404 without a CA; 503 when the database cannot record it. On the database thread; `ca` may be
/// null; `yaml_tokens` are (token, role) pairs; the token is never logged.
enrollment_answer enroll_certificate(const certificate_issuer* ca,
                                     const std::vector<std::pair<std::string, std::string>>& yaml_tokens,
                                     enrollment_store& db, const api_request& req, std::int64_t now_ms);

}  // namespace df::manager
