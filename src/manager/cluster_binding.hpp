#pragma once
// Cluster scoping of enrolled certificates (docs/manager.md, "Enrollment"): a certificate signed
// for a token bound to scheduler cluster N registers schedulers and seed peers only into cluster N
// (its seed-peer cluster), and a host announcing with it is given cluster N. The cluster comes
// from the issued_certificates row of the client certificate's serial.

#include "manager/access_policy.hpp"
#include "manager/api.hpp"
#include "manager/enrollment_store.hpp"

namespace df::manager {

/// `req` with certificate_cluster set from `who`'s certificate (0 for other callers, certificates
/// the manager did not issue on enrollment or issued with a YAML token, and database errors, which
/// the handler then meets itself). On the database thread.
api_request with_certificate_cluster(enrollment_store& db, const caller& who, const api_request& req);

/// For a registration by a caller bound to `bound` (a cluster id, in the id space of `field`):
/// `requested` (0: unset) when it is `bound`, `bound` for 0; otherwise a 403 api_error naming both.
std::int64_t held_to_bound_cluster(std::int64_t requested, std::int64_t bound, const char* field);

}  // namespace df::manager
