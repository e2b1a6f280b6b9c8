#pragma once
// Certificate revocation lists of the cluster CA as they arrive from the manager (GET /api/v1/crl)
// or sit in security.crl_file: parsed, their signature checked against the CA, their number read
// (docs/security.md, "Revocation"). OpenSSL only, no Asio.

#include "core/error.hpp"

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace df::net {

struct x509_crl_free {
  void operator()(X509_CRL* p) const noexcept;
};
using x509_crl_ptr = std::unique_ptr<X509_CRL, x509_crl_free>;

/// The most a CRL's PEM text may hold; a longer one is refused (the manager's answers are
/// bounded by the JSON client at 1 MiB too).
constexpr std::size_t max_crl_bytes = 1 << 20;

/// A CRL whose signature verified under the cluster CA, with its CRL number.
struct verified_crl {
  x509_crl_ptr crl;
  std::int64_t number = -1;  // the cRLNumber extension (every CRL of ours has one)
  std::string pem;           // the text it was parsed from
};

/// Parses `pem` (one PEM CRL) and checks it: signed by a certificate of `ca_file` whose subject is
/// the CRL's issuer, current (thisUpdate not in the future, nextUpdate not past) and numbered.
/// errc::not_permitted with `why` saying what failed.
result<verified_crl> verify_crl(std::string_view pem, const std::string& ca_file, std::string& why);

/// The CRL number of the first CRL in the PEM file `path`; -1 when it cannot be read or has none.
std::int64_t crl_number_of_file(const std::string& path);

}  // namespace df::net
