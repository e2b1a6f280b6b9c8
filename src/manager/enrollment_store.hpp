#pragma once
// What the manager keeps about enrollment in its database (migration 6; docs/manager.md,
// "Enrollment" and "Revocation"): the bootstrap tokens made through the API, the certificates it
// signed (with the scheduler cluster each was issued for) and the ones revoked, with the state
// every replica's CRL is signed from. Same threading contract as store.hpp: one thread at a time.

#include "core/error.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/model.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace df::manager {

class sql_connection;

/// A bootstrap token made with POST /api/v1/enrollment-tokens; the token itself is never stored.
struct enrollment_token {
  std::int64_t id = 0;
  std::string name;
  std::string role;                       // "peer", "seed-peer" or "scheduler"
  std::int64_t scheduler_cluster_id = 0;  // the cluster its certificates are bound to
  std::int64_t expires_at = 0;            // ms since the epoch; refused from then on
  std::int64_t max_uses = 0;              // certificates it may enroll; 0 = unlimited
  std::int64_t uses = 0;                  // certificates it enrolled
  std::int64_t created_at = 0;            // ms since the epoch
  std::string token_hash;                 // lower-case hex SHA-256 of the token
};

/// A certificate the manager signed on enrollment, as the issued_certificates table keeps it.
struct issued_record {
  std::string serial;                     // canonical hex (canonical_serial)
  std::string role;
  std::string name;                       // the certificate's common name
  std::int64_t scheduler_cluster_id = 0;  // 0: a token from the YAML, bound to no cluster
  std::int64_t not_after = 0;             // seconds since the epoch
  std::int64_t issued_at = 0;             // seconds since the epoch
};

/// The enrollment and revocation tables; owned by the store (store::enrollment()).
class enrollment_store {
 public:
  virtual ~enrollment_store() = default;

  /// t.token_hash set by the caller; conflict for a name or hash in use, not_found for no such cluster.
  virtual result<enrollment_token> create_enrollment_token(const enrollment_token& t, std::int64_t now) = 0;
  virtual result<enrollment_token> get_enrollment_token(std::int64_t id) = 0;
  virtual result<page<enrollment_token>> list_enrollment_tokens(page_request p) = 0;
  virtual result<void> delete_enrollment_token(std::int64_t id) = 0;
  /// The token whose hash is `hash` when it is usable at `now` (not expired, uses left); else not_found.
  virtual result<enrollment_token> find_enrollment_token(const std::string& hash, std::int64_t now) = 0;
  /// In one transaction: one use of token `id` (only while usable at `now`) and `cert` recorded;
  /// not_found, with nothing changed, when the token was deleted, expired or used up meanwhile.
  virtual result<void> redeem_enrollment_token(std::int64_t id, std::int64_t now, const issued_record& cert) = 0;

  /// Records a certificate signed with a token from the YAML.
  virtual result<void> record_issued(const issued_record& cert) = 0;
  /// The certificate with that serial the manager signed; not_found when it signed none.
  virtual result<issued_record> get_issued(const std::string& serial) = 0;
  /// Serials issued for `name` (any role when `role` is empty), at most max_issued_per_name.
  virtual result<std::vector<std::string>> issued_to(const std::string& role, const std::string& name) = 0;
  /// Forgets certificates that expired before `now_s` (they can be neither used nor revoked by name).
  virtual result<void> drop_expired_issued(std::int64_t now_s) = 0;

  /// In one transaction: `serials` revoked at `now_s` (ones revoked already keep their time) and
  /// the revocation revision bumped, so every replica signs its CRL again.
  virtual result<void> revoke(const std::vector<std::string>& serials, std::int64_t now_s) = 0;
  /// Bumped by each revoke(); a replica whose CRL is of an older revision signs it again.
  virtual result<std::int64_t> revocation_revision() = 0;
  /// Every revoked certificate, oldest first (at most max_revoked).
  virtual result<std::vector<revoked_certificate>> revoked_certificates() = 0;
  /// The number of the next CRL any replica signs: above every earlier one and at least `at_least`.
  virtual result<std::int64_t> next_crl_number(std::int64_t at_least) = 0;
};

/// Bounds on what one query returns.
inline constexpr std::size_t max_issued_per_name = 1000;
inline constexpr std::size_t max_revoked = 100000;

/// The enrollment tables over `db` (already migrated), which must outlive it.
std::unique_ptr<enrollment_store> make_sql_enrollment_store(sql_connection& db);

}  // namespace df::manager
