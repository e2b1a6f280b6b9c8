#pragma once
// The manager's revocation endpoints (docs/manager.md, "Revocation"): GET /api/v1/crl (open: a
// CRL is public) and POST /api/v1/certificates/revoke (the admin token only; access_policy.hpp).

#include "manager/api.hpp"
#include "manager/revocation_list.hpp"

namespace df::manager {

/// GET /api/v1/crl: the signed CRL as PEM; 404 when the manager is not the CA. Like the next, on
/// the database thread (the list is used there).
api_response serve_crl(revocation_list* list, const api_request& req);

/// POST /api/v1/certificates/revoke with exactly one of {"serial": hex}, {"name": …, "role"?: …}
/// (certificates the manager issued on enrollment) or {"certificate": PEM} (one this CA signed)
/// → 200 {"revoked": [serials], "crl_number": n}; 400 for a bad body, 404 for no such name or
/// when the manager is not the CA, 503 when the database cannot record it or the CRL cannot be
/// written (`issued` holds the names; every replica's CRL follows the database).
api_response revoke_certificates(revocation_list* list, const certificate_issuer* ca, enrollment_store& issued,
                                 const api_request& req);

}  // namespace df::manager
