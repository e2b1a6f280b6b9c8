#pragma once
// Who may call what on the manager's API (docs/manager.md, "Authentication"): a pure function of
// the caller's credential and the request line, table-tested in
// tests/unit/manager/access_policy_test.cpp. server.cpp finds out who the caller is and applies
// the verdict; the open endpoints (/healthy, /metrics, enrollment, the CRL) never reach it.

#include "manager/permissions.hpp"
#include "net/tls_identity.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// How a request proved who it is.
struct caller {
  enum class kind {
    anonymous,        // no token and no client certificate
    admin,            // Authorization: Bearer <admin token>
    component_token,  // Authorization: Bearer <component token> (security.mode off and tls)
    certificate,      // a client certificate of the cluster CA (security.mode mtls)
    user,             // a console session (the df_session cookie), docs/console.md
  };
  kind how = kind::anonymous;
  net::cluster_identity identity;  // for kind::certificate
  std::string serial;              // for kind::certificate: its serial (canonical hex)
  // For kind::user: who, what their roles grant, the clusters cluster-admin is limited to, and
  // the session's CSRF token (its writes must carry it).
  std::int64_t user_id = 0;
  std::string user_name;
  granted_permissions granted;
  std::vector<std::int64_t> scheduler_cluster_ids;
  std::string csrf_token;
};

/// What a certificate holder must additionally speak for, once the body or the row is known.
enum class name_binding {
  none,           // nothing: the admin, the component token
  body_hostname,  // the body's "hostname" must be the certificate's name
  scheduler_row,  // the scheduler `row_id` must carry the certificate's name
  seed_peer_row,  // the seed peer `row_id` must carry the certificate's name
};

/// What a user whose write permission is limited to their clusters (cluster-admin) must
/// additionally stay within, once the body or the row is known.
enum class cluster_binding {
  none,          // nothing: not limited, or a read
  job_body,      // the new job's "scheduler_cluster_ids" must be non-empty and all the user's
  job_row,       // the job `row_id` must target only the user's clusters
};

/// The verdict on one request.
struct access_decision {
  enum class outcome { allow, unauthorized, forbidden };
  outcome verdict = outcome::unauthorized;
  name_binding binding = name_binding::none;  // with allow: what remains to check
  std::int64_t row_id = 0;                    // for the *_row bindings (0: no valid id in the path)
  std::string message;                        // why, for unauthorized and forbidden
  cluster_binding clusters = cluster_binding::none;  // with allow, for a user

  bool allowed() const { return verdict == outcome::allow; }
};

/// The admin may do everything; the component token only the component endpoints (POST
/// /api/v1/hosts, /schedulers, /seed-peers and their keepalives); a certificate by its role:
/// peer → hosts, seed-peer → hosts and seed peers, scheduler → schedulers, manager → nothing; a
/// user by the permission each endpoint needs (required_permission), writes of a cluster-admin
/// only to their own clusters.
/// `path` is the request target without its query.
access_decision decide_access(const caller& who, std::string_view method, std::string_view path);

/// The permission a user needs for a request, or nullopt when only a super admin (every
/// permission) may call it (an unknown path). /users/me… and sign-out need none: `none_needed`.
std::optional<permission> required_permission(std::string_view method, std::string_view path, bool& none_needed);

/// For a job binding: the 403 message when `job_clusters` (empty = every cluster) are not all
/// among `allowed`; nullopt when they are.
std::optional<std::string> job_cluster_violation(const std::vector<std::int64_t>& job_clusters,
                                                 const std::vector<std::int64_t>& allowed);

/// For a body_hostname binding: the 403 message when `body_hostname` (the body's "hostname", when
/// it has one that is a string) is not the certificate's name; nullopt when it is, or when the
/// body has none (the API then answers 400 itself).
std::optional<std::string> body_name_mismatch(const net::cluster_identity& id,
                                              const std::optional<std::string>& body_hostname);

/// For the *_row bindings: the 403 message when the row's hostname is not the certificate's name.
std::optional<std::string> row_name_mismatch(const net::cluster_identity& id, std::string_view what,
                                             std::string_view row_hostname);

}  // namespace df::manager
