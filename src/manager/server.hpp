#pragma once
// dfmanager's process: the REST API, /healthy and /metrics on one HTTP(S) port, with the
// authentication (tokens, client certificates), the access policy and the body limit in front of
// the API, and the store on a thread of its own.

#include "core/error.hpp"
#include "manager/config.hpp"
#include "manager/store.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace df::net {
class tls_identity;
}

namespace df::manager {

class certificate_issuer;
class revocation_list;

/// Owns the HTTP server, the metrics and the store's thread; created by main, runs on its
/// io_context (the I/O thread), while every store call runs on the database thread.
class server {
 public:
  /// `admin_token` may call all of /api/v1, `component_token` (empty: none) only the component
  /// endpoints (access_policy.hpp); neither is ever logged.
  server(boost::asio::io_context& io, const config& cfg, std::unique_ptr<store> db, std::string admin_token,
         std::string component_token = {});
  ~server();
  /// Answers POST /api/v1/certificates (enrollment with a bootstrap token instead of the admin
  /// token) with certificates this issuer signs, GET /api/v1/crl and POST
  /// /api/v1/certificates/revoke from `revocations` (before start()).
  void use_issuer(std::unique_ptr<certificate_issuer> issuer, std::unique_ptr<revocation_list> revocations);
  /// Serves HTTPS with this identity (security.mode tls or mtls; before start()). In mtls a
  /// client certificate is asked for but optional at the TLS layer (the admin token needs none);
  /// one that does not verify under the CA and the CRL fails the handshake. The CRL file is
  /// re-read every 5 s when it changed.
  void use_tls(std::shared_ptr<net::tls_identity> tls);
  /// Listens; returns the bound port (useful with port 0).
  result<std::uint16_t> start();
  /// Stops accepting and waits for the database thread to finish what it runs.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Opens the configured database (creating the data dir for SQLite) and migrates it; throws
/// config_error naming what failed (never the password).
std::unique_ptr<store> open_store(const config& cfg);

/// The manager as the cluster CA when enrollment.ca_cert is set (else both stay null): the issuer
/// and its revocation list (recorded in `db`, which must outlive it; it signs data_dir/crl.pem now);
/// throws config_error.
void open_certificate_authority(const config& cfg, store& db, std::unique_ptr<certificate_issuer>& issuer,
                                std::unique_ptr<revocation_list>& revocations);

/// The manager's TLS identity for security.mode tls / mtls (null for off); throws config_error
/// when a file is bad or the certificate's role is not `manager`.
std::shared_ptr<net::tls_identity> load_manager_identity(const security_settings& s);

}  // namespace df::manager
