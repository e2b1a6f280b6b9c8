#pragma once
// The certificates the manager, as the cluster CA, has revoked, and the CRL it signs over them
// (docs/security.md, "Revocation"). Kept in the data dir: `revoked` (one "<serial hex>
// <unix seconds>" a line), `issued` (one "<serial hex> <role> <name>
// <not after>" a line, appended at each enrollment, to revoke by name; expired ones are dropped
// at start) and `crl.pem`, each replaced atomically.

#include "manager/certificate_issuer.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// The revocation state of one manager's CA; created by main when enrollment.ca_* is set, used
/// from the server's I/O thread.
class revocation_list {
 public:
  /// The files live in `dir`; `ca` signs the CRL and must outlive this.
  revocation_list(std::string dir, const certificate_issuer& ca);
  /// Reads `revoked` and `issued` (when present; `issued` without its expired certificates) and
  /// signs crl.pem; false with `why` when a file cannot be read or written.
  bool open(std::string& why);
  /// The CRL (PEM), signed again first when it is older than a day (each is valid for a week);
  /// the server also calls it every few seconds, so crl.pem never goes stale.
  const std::string& crl_pem();
  /// The crl.pem it writes (for security.crl_file of the manager itself).
  std::string crl_path() const { return dir_ + "/crl.pem"; }
  /// Notes a certificate the manager signed; false with `why` when `issued` cannot be appended.
  bool record_issued(const issued_certificate& cert, std::string_view role, std::string& why);
  /// Serials of the certificates issued for `name` (any role when `role` is empty).
  std::vector<std::string> issued_to(std::string_view role, std::string_view name) const;
  /// Revokes `serials` (hex; ones already revoked are kept as they were): signs the new CRL, then
  /// writes `revoked` and crl.pem durably (fsync'ed). False with `why` when the CRL cannot be
  /// signed or `revoked` written (then nothing changed, on disk or in memory), or when crl.pem
  /// cannot be written (the revocation then holds, in `revoked`, in memory and in the CRL served).
  bool revoke(const std::vector<std::string>& serials, std::string& why);
  /// The CRL number of the last CRL signed.
  std::int64_t crl_number() const { return number_; }

 private:
  struct signed_crl {
    std::string pem;
    std::int64_t number = 0;
  };
  /// A CRL of `revoked` numbered after the last one; nullopt with `why` when the CA cannot sign.
  std::optional<signed_crl> sign(const std::vector<revoked_certificate>& revoked, std::string& why) const;
  /// Makes `crl` the one served.
  void install(signed_crl crl);
  bool sign_and_write(std::string& why);

  struct issued_row {
    std::string serial, role, name;
    std::int64_t not_after = 0;
  };
  std::string dir_;
  const certificate_issuer& ca_;
  std::vector<revoked_certificate> revoked_;
  std::vector<issued_row> issued_;
  std::string pem_;
  std::int64_t number_ = 0;  // milliseconds since the epoch when it was signed: always increasing
  std::chrono::steady_clock::time_point signed_at_{};
};

/// A serial in the form the CRL and the files keep (upper-case hex without leading zeros);
/// empty when `text` is not 1–40 hex digits.
std::string canonical_serial(std::string_view text);

}  // namespace df::manager
