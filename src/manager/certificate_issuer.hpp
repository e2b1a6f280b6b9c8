#pragma once
// The manager as the cluster's certificate authority (docs/manager.md, "Enrollment"): a component
// sends a certificate request with a bootstrap token; the token decides the role, the request's
// common name the name, and the manager signs a certificate naming spiffe://dragonfly/<role>/<name>.

#include "core/error.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace df::manager {

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
  /// The CA certificate (PEM), for the component's trust store.
  const std::string& ca_pem() const { return ca_pem_; }

 private:
  certificate_issuer() = default;
  struct keys;
  std::unique_ptr<keys> keys_;
  std::string ca_pem_;
  std::chrono::seconds validity_{0};
};

}  // namespace df::manager
