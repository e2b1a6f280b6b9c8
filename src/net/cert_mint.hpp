#pragma once
// The HTTPS proxy's certificate authority: the operator's CA (PEM files), leaf certificates minted
// per host on demand (ECDSA P-256, short-lived, the host as the only subjectAltName), and a
// bounded LRU cache of them. Pure OpenSSL 3, no Asio.

#include "core/error.hpp"

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace df::net {

struct x509_free {
  void operator()(X509* p) const noexcept;
};
struct evp_pkey_free {
  void operator()(EVP_PKEY* p) const noexcept;
};
using x509_ptr = std::unique_ptr<X509, x509_free>;
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free>;

/// A certificate minted for one host and its private key; immutable once made, shared by every
/// connection that presents it.
struct leaf_certificate {
  std::string host;  // what the certificate names (a DNS name or an IP literal)
  x509_ptr cert;
  evp_pkey_ptr key;
  std::chrono::system_clock::time_point not_after;
};

/// Is `host` something a certificate may be minted for: an IPv4/IPv6 literal, or a DNS name of
/// at most 253 characters made of labels of 1–63 letters, digits and '-' (not at either end)?
bool valid_certificate_host(std::string_view host);

/// The operator's CA: a certificate with basicConstraints CA:TRUE and its private key. Loaded once
/// at start-up; mints leaves for the hosts the proxy hijacks.
class cert_authority {
 public:
  /// Reads the PEM certificate and key; the error text names the file and what is wrong with it
  /// (unreadable, not PEM, not a CA, key does not match, expired).
  static result<cert_authority> load(const std::string& cert_path, const std::string& key_path,
                                     std::string& error_text);

  /// A new leaf for `host`, valid from a few minutes ago (clock skew) for `validity`, never past
  /// the CA's own expiry. errc::invalid_argument when the host is not valid_certificate_host.
  result<std::shared_ptr<const leaf_certificate>> mint(std::string_view host, std::chrono::seconds validity,
                                                       std::chrono::system_clock::time_point now) const;

  X509* certificate() const { return cert_.get(); }

 private:
  cert_authority(x509_ptr cert, evp_pkey_ptr key);
  std::shared_ptr<X509> cert_;  // shared: the authority is copied into the proxy's handler
  std::shared_ptr<EVP_PKEY> key_;
  std::chrono::system_clock::time_point not_after_;
};

/// Minted leaves by host, least recently used dropped past `capacity`; a leaf past half its
/// validity is minted afresh. Owned by the proxy; used from its I/O thread only.
class leaf_cache {
 public:
  leaf_cache(cert_authority ca, std::size_t capacity, std::chrono::seconds validity);

  /// The cached leaf for `host` (lower-cased), or a new one.
  result<std::shared_ptr<const leaf_certificate>> get(std::string_view host,
                                                      std::chrono::system_clock::time_point now);

  const cert_authority& authority() const { return ca_; }
  std::size_t size() const { return index_.size(); }
  /// Leaves minted since start (cache misses and renewals).
  std::uint64_t minted() const { return minted_; }

 private:
  using entry = std::shared_ptr<const leaf_certificate>;
  cert_authority ca_;
  std::size_t capacity_;
  std::chrono::seconds validity_;
  std::list<entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
  std::uint64_t minted_ = 0;
};

}  // namespace df::net
