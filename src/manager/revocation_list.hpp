#pragma once
// The certificates the manager, as the cluster CA, has revoked, and the CRL it signs over them
// (docs/security.md, "Revocation"). The record is the database (enrollment_store.hpp), shared by
// every replica: each signs its own CRL from it whenever its revision changed (checked every few
// seconds) or the CRL is a day old, numbered from the database so numbers only grow, and writes
// it to <data dir>/crl.pem for the manager's own security.crl_file.

#include "manager/certificate_issuer.hpp"
#include "manager/enrollment_store.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::manager {

/// The revocation state of one manager replica's CA; created by main when enrollment.ca_* is set,
/// used on the server's database thread (every method may query the database).
class revocation_list {
 public:
  /// crl.pem lives in `dir`; `ca` signs the CRL and `db` keeps the record; both must outlive this.
  revocation_list(std::string dir, const certificate_issuer& ca, enrollment_store& db);
  /// Imports the files earlier versions kept in `dir` (`revoked`, `issued`; harmless to repeat),
  /// forgets expired issued certificates, then signs crl.pem; false with `why` when the database or
  /// a file cannot be read or written.
  bool open(std::string& why);
  /// Signs the CRL again when the database's revision is not the one it was signed from, or when
  /// it is a day old (each is valid for a week); false with `why` when it could not. Called every
  /// few seconds by the server.
  bool refresh(std::string& why);
  /// The CRL (PEM) last signed.
  const std::string& crl_pem() const { return pem_; }
  /// The crl.pem it writes (for security.crl_file of the manager itself).
  std::string crl_path() const { return dir_ + "/crl.pem"; }
  /// Revokes `serials` (hex; ones already revoked are kept as they were): committed to the
  /// database first, then the CRL signed again and crl.pem written. False with `why` when the
  /// database refused (nothing changed), or when the CRL could not be signed or written (the
  /// revocation then holds, and refresh() signs it in).
  bool revoke(const std::vector<std::string>& serials, std::string& why);
  /// The CRL number of the last CRL signed.
  std::int64_t crl_number() const { return number_; }

 private:
  bool import_files(std::string& why);
  bool sign_and_write(std::string& why);

  std::string dir_;
  const certificate_issuer& ca_;
  enrollment_store& db_;
  std::string pem_;
  std::int64_t number_ = 0;    // from the database: above every CRL any replica signed
  std::int64_t revision_ = -1;  // the database's revocation revision pem_ was signed from
  std::chrono::steady_clock::time_point signed_at_{};
};

/// A serial in the form the CRL and the database keep (upper-case hex without leading zeros);
/// empty when `text` is not 1–40 hex digits.
std::string canonical_serial(std::string_view text);

}  // namespace df::manager
