#pragma once
// Piece digests signed by the task's source (docs/security.md, "Signed digests"). A source with a
// cluster certificate signs a statement of each piece digest it computed; the scheduler relays
// "<hex>.<signature>" unchanged, with the source's certificate in task_info, and a receiver in
// mtls mode accepts a digest only with a valid signature by a daemon certificate of the CA.

#include "core/error.hpp"
#include "net/tls_identity.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace df::net {

/// What a signature vouches for: this digest is piece `piece` of this task in this layout.
struct piece_statement {
  std::string_view task_id;
  std::int64_t content_length = -1;
  std::uint64_t piece_size = 0;
  std::uint32_t piece = 0;
  std::string_view digest;  // lower-case hex

  /// The bytes signed: a fixed prefix and the fields, newline-separated.
  std::string bytes() const;
};

/// A piece digest as it crosses the wire: the digest, and the signature when there is one.
struct wire_digest {
  std::string digest;
  std::string signature;  // lower-case hex of the signature; "" = unsigned
};
wire_digest split_wire_digest(std::string_view text);
std::string join_wire_digest(std::string_view digest, std::string_view signature);

/// Signs statements with a component's own key (the key of its cluster certificate).
class statement_signer {
 public:
  ~statement_signer();
  /// The key in `key_file` (PEM) and the certificate (PEM text) receivers check it with.
  static result<std::unique_ptr<statement_signer>> load(const std::string& key_file, const std::string& cert_file);
  std::string sign(const piece_statement& s) const;
  const std::string& certificate_pem() const { return certificate_pem_; }

 private:
  statement_signer() = default;
  struct key;
  std::unique_ptr<key> key_;
  std::string certificate_pem_;
};

/// Checks statements against the public key of one signer certificate, after checking that
/// certificate against the cluster CA of `identity` and that it is a daemon's (peer or seed peer).
class statement_verifier {
 public:
  ~statement_verifier();
  /// errc::not_permitted with `why` filled when the certificate is not acceptable.
  static result<std::unique_ptr<statement_verifier>> load(tls_identity& identity, std::string_view certificate_pem,
                                                          std::string& why);
  bool verify(const piece_statement& s, std::string_view signature) const;
  const cluster_identity& signer() const { return signer_; }
  const std::string& certificate_pem() const { return certificate_pem_; }

 private:
  statement_verifier() = default;
  struct key;
  std::unique_ptr<key> key_;
  cluster_identity signer_;
  std::string certificate_pem_;
};

}  // namespace df::net
