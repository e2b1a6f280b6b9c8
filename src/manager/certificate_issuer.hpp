#pragma once
// The manager as the cluster's certificate authority (docs/manager.md, "Enrollment"): a component
// sends a certificate request with a bootstrap token; the token decides the role, the request's
// common name the name, and the manager signs a certificate naming spiffe://dragonfly/<role>/<name>.

#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct x509_st;

namespace df::manager {

/// One revoked certificate: its serial (hex, as OpenSSL prints it) and when it was revoked.
struct revoked_certificate {
  std::string serial;
  std::int64_t revoked_at = 0;  // seconds since the epoch
};

/// What the manager notes about a certificate it signed, to revoke it by name later.
struct issued_certificate {
  std::string serial;       // hex
  std::string common_name;  // the identity's name
  std::int64_t not_after = 0;  // seconds since the epoch
};

/// Signs components' certificate requests with the cluster CA's key. Loaded once at start-up;
/// used from the HTTP thread.
class certificate_issuer {
 public:
  ~certificate_issuer();
  /// Reads the CA certificate and key (PEM); `why` names the file and the problem.
  static result<std::unique_ptr<certificate_issuer>> load(const std::string& cert_file, const std::string& key_file,
                                                          std::chrono::seconds validity, std::string& why);
  /// A PEM certificate for the request's public key, valid for the configured time (never past
  /// the CA's own expiry), naming spiffe://dragonfly/<role>/<common name>. errc::invalid_argument
  /// with `why` for a request that is not PEM, whose signature does not verify, or whose common
  /// name is not a name (1–253 of letters, digits, '.', '-', '_').
  result<std::string> issue(std::string_view request_pem, std::string_view role, std::string& why) const;
  /// The serial and name of a PEM certificate; errc::invalid_argument with `why` unless this CA
  /// signed it.
  result<issued_certificate> describe_issued(std::string_view cert_pem, std::string& why) const;
  /// A certificate revocation list (PEM) naming `revoked`, signed with the CA key: issued now,
  /// next update after `validity`, CRL number `number`.
  result<std::string> sign_crl(const std::vector<revoked_certificate>& revoked, std::int64_t number,
                               std::chrono::seconds validity, std::string& why) const;
  /// The CA certificate (PEM), for the component's trust store.
  const std::string& ca_pem() const { return ca_pem_; }

 private:
  certificate_issuer() = default;
  struct keys;
  std::unique_ptr<keys> keys_;
  std::string ca_pem_;
  std::chrono::seconds validity_{0};
};

/// The serial of `cert` as canonical_serial (revocation_list.hpp) writes it; empty when unreadable.
std::string serial_of(x509_st* cert);

}  // namespace df::manager
