#pragma once
// How the manager finds out who sent a request (a bearer token, else a client certificate) and
// checks that a certificate holder speaks only for its own name. access_policy.hpp decides what
// each caller may do.

#include "manager/access_policy.hpp"
#include "manager/store.hpp"
#include "net/http_types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// The credentials one manager accepts; owned by the server, used on its I/O thread.
class request_authenticator {
 public:
  /// `component_token` empty: there is none (security.mode mtls). `tls` (null without TLS) checks
  /// client certificates; it must outlive this.
  request_authenticator(std::string admin_token, std::string component_token, net::tls_identity* tls);

  /// Who sent `r`: the token in Authorization when there is one (a wrong one makes the caller
  /// anonymous), else the client certificate, checked now against the CA and the CRL in force (so a
  /// certificate revoked after the handshake is refused on its connection's next request).
  /// `why` says what was wrong when the caller is anonymous.
  caller identify(const net::http_request& r, std::string& why) const;

 private:
  std::string admin_token_;
  std::string component_token_;
  net::tls_identity* tls_;
};

/// For a scheduler or seed-peer registration (POST /api/v1/schedulers or /api/v1/seed-peers) by
/// a component (component token or certificate; not the admin): the 403 message when the body's
/// "ip" is not the address the request came from, so that a component cannot put another
/// machine's address in the cluster. nullopt otherwise (also without a readable "ip": the API
/// answers 400).
std::optional<std::string> address_binding_violation(const caller& who, std::string_view method, std::string_view path,
                                                     std::string_view body, std::string_view remote_address);

/// On the database thread, for an allowed certificate request with a name binding: the 403
/// message when the body's hostname or the addressed row names another host; nullopt when the
/// request speaks for the certificate's own name (or leaves the answer to the API: no such row,
/// a malformed body, a database error).
std::optional<std::string> name_binding_violation(store& db, const caller& who, const access_decision& d,
                                                  std::string_view body);

/// On the database thread, for an allowed user request with a cluster binding (a cluster admin
/// writing jobs): the 403 message when the new job (its body) or the job addressed targets a
/// cluster not among the user's, or every cluster; nullopt otherwise (also for a body the API
/// will refuse, or no such job: the API answers 400 / 404).
std::optional<std::string> cluster_binding_violation(store& db, const caller& who, const access_decision& d,
                                                     std::string_view body, std::int64_t now);

}  // namespace df::manager
