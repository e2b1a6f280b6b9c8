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

/// The TLS side of one component: a server context and a client context built once at start-up
/// from its security settings, and the identity its own certificate gives it.
class tls_identity {
 public:
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

 private:
  tls_identity() = default;
  struct contexts;
  std::unique_ptr<contexts> contexts_;
  security_mode mode_ = security_mode::off;
  cluster_identity own_;
  security_settings settings_;
  std::int64_t crl_mtime_ = 0;  // of crl_file when last read
};

/// The identity in the certificate the other end of `ssl` presented (after a handshake that
/// verified it against the CA); errc::not_permitted when it presented none or one without an
/// identity.
result<cluster_identity> peer_identity(ssl_st* ssl);

}  // namespace df::net
