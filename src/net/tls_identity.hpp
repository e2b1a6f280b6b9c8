#pragma once
// Who is at the other end of a connection inside the cluster. A cluster certificate names its
// holder's role and name in one URI SAN, spiffe://dragonfly/<role>/<name>; the TLS contexts here
// are built from the operator's CA and the component's own certificate (docs/security.md).

#include "core/error.hpp"
#include "core/security_settings.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;
struct x509_st;

namespace df::net {

/// What a certificate allows its holder to be.
enum class cluster_role { peer, seed_peer, scheduler, manager };

std::string_view role_name(cluster_role r);
std::optional<cluster_role> parse_role(std::string_view text);

/// A participant as its certificate names it.
struct cluster_identity {
  cluster_role role = cluster_role::peer;
  std::string name;  // the host name (daemons) or instance name (schedulers, managers)

  /// "spiffe://dragonfly/<role>/<name>".
  std::string uri() const;
  bool operator==(const cluster_identity&) const = default;
};

/// Parses "spiffe://dragonfly/<role>/<name>"; nullopt for anything else (another trust domain, an
/// unknown role, an empty or slashed name).
std::optional<cluster_identity> parse_identity_uri(std::string_view uri);

/// The TLS side of one component: a server context and a client context built at start-up from
/// its security settings, and the identity its own certificate gives it. Tracks: the certificate
/// pair and the CRL in force and the files they came from, so that a renewed pair or a newer CRL
/// replaces them in both contexts (new handshakes use them; open connections keep theirs).
/// Single-threaded on its component's executor.
class tls_identity {
 public:
  /// What refresh_certificate() did.
  enum class reload {
    unchanged,  // neither file changed since the pair was last judged
    reloaded,   // the new pair is in use for new handshakes
    pending,    // the pair does not fit together (yet): one file may be half-way replaced; tried next time
    refused,    // the new pair is not acceptable (`why`); the old one stays until a file changes again
  };
  /// What apply_crl() did.
  enum class crl_update {
    applied,          // in force (and written to security.crl_file when there is one)
    applied_unsaved,  // in force, but security.crl_file could not be written (`why`)
    unchanged,        // the CRL in force has the same number
    older,            // its number is below the one in force: ignored
    refused,          // it does not verify under security.ca_file, or is not current (`why`)
  };

  ~tls_identity();
  /// Loads the CA, certificate, key (and CRL); the error text names the file and what is wrong
  /// with it, including a certificate without a cluster identity or one the CA did not sign.
  static result<std::shared_ptr<tls_identity>> load(const security_settings& s, std::string& error_text);

  security_mode mode() const { return mode_; }
  const cluster_identity& own() const { return own_; }
  /// Accepts connections: presents our certificate; in mtls mode also demands and checks the
  /// client's.
  boost::asio::ssl::context& server();
  /// Makes connections: checks the server's certificate against the CA and presents ours.
  boost::asio::ssl::context& client();
  /// Checks a certificate received in a message (not in a handshake) the way a handshake would:
  /// chain to the CA, validity, CRL; then reads its identity. `why` says what failed.
  result<cluster_identity> check_certificate(x509_st* cert, std::string& why);
  /// Reads security.crl_file again when it changed on disk (new handshakes and checks use it);
  /// true when it was reloaded, false when unchanged or unreadable (then `why` says so and the
  /// previous list stays in force).
  bool refresh_crl(std::string& why);
  /// Reads security.cert_file and key_file again when either changed on disk. The new pair must
  /// fit together, verify under ca_file (and the CRL in force) and name the same role and name
  /// as the one in use; a pair that does not fit together is `pending` the first time (a file
  /// may be half-way through its replacement) and `refused` when it is still so next time.
  reload refresh_certificate(std::string& why);
  /// Puts a CRL received from the manager in force when it verifies under ca_file and is newer
  /// (by CRL number) than the one in force; with security.crl_file it is written there too
  /// (atomically, durably). The previous list stays in force otherwise.
  crl_update apply_crl(std::string_view pem, std::string& why);
  /// Changes of the CRL in force since start-up (file reloads and applied CRLs): a component
  /// that checks open connections against the CRL does so when this moves.
  std::uint64_t crl_generation() const { return crl_generation_; }
  /// The number of the CRL in force; -1 without one (or one without a number).
  std::int64_t crl_number() const { return crl_number_; }

 private:
  tls_identity() = default;
  struct contexts;
  std::unique_ptr<contexts> contexts_;
  security_mode mode_ = security_mode::off;
  cluster_identity own_;
  security_settings settings_;
  std::int64_t crl_mtime_ = 0;  // of crl_file when last read (or written)
  std::int64_t crl_number_ = -1;
  std::uint64_t crl_generation_ = 0;
  /// Modification times and inodes of cert_file and key_file (a file renamed into place with an
  /// older time is still a change).
  struct pair_stamp {
    std::int64_t cert = 0, key = 0;
    std::uint64_t cert_inode = 0, key_inode = 0;
    bool operator==(const pair_stamp&) const = default;
  };
  static pair_stamp stamp_of(const security_settings& s);
  pair_stamp pair_stamp_;     // of the pair last judged (in use, or refused)
  pair_stamp pending_stamp_;  // of a pair found not to fit together once
};

/// The identity in the certificate the other end of `ssl` presented (after a handshake that
/// verified it against the CA); errc::not_permitted when it presented none or one without an
/// identity.
result<cluster_identity> peer_identity(ssl_st* ssl);

}  // namespace df::net
