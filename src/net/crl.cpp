#include "net/crl.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

namespace df::net {

void x509_crl_free::operator()(X509_CRL* p) const noexcept { X509_CRL_free(p); }

namespace {

struct bio_free {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};

// The cRLNumber extension as an integer; -1 when absent or out of range.
std::int64_t number_of(X509_CRL* crl) {
  auto* n = static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr));
  if (!n) return -1;
  std::int64_t value = -1;
  if (ASN1_INTEGER_get_int64(&value, n) != 1 || value < 0) value = -1;
  ASN1_INTEGER_free(n);
  return value;
}

// True when a certificate of `ca_file` is the CRL's issuer and its key verifies the signature.
bool signed_by_ca(X509_CRL* crl, const std::string& ca_file, std::string& why) {
  std::unique_ptr<BIO, bio_free> in(BIO_new_file(ca_file.c_str(), "r"));
  if (!in) {
    why = "cannot read security.ca_file " + ca_file;
    return false;
  }
  bool issuer_found = false;
  while (X509* raw = PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)) {
    const std::unique_ptr<X509, decltype(&X509_free)> ca(raw, &X509_free);
    if (X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_CRL_get_issuer(crl)) != 0) continue;
    issuer_found = true;
    EVP_PKEY* key = X509_get0_pubkey(ca.get());
    if (key && X509_CRL_verify(crl, key) == 1) {
      ERR_clear_error();
      return true;
    }
  }
  ERR_clear_error();  // the end of the file reads as an error
  why = issuer_found ? "its signature does not verify with the CA's key" : "it is not issued by the CA in " + ca_file;
  return false;
}

}  // namespace

result<verified_crl> verify_crl(std::string_view pem, const std::string& ca_file, std::string& why) {
  if (pem.size() > max_crl_bytes) {
    why = "it is larger than " + std::to_string(max_crl_bytes) + " bytes";
    return errc::not_permitted;
  }
  std::unique_ptr<BIO, bio_free> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509_crl_ptr crl(in ? PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!crl) {
    why = "it is not a PEM CRL";
    return errc::not_permitted;
  }
  if (!signed_by_ca(crl.get(), ca_file, why)) return errc::not_permitted;
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
  if (X509_cmp_current_time(X509_CRL_get0_lastUpdate(crl.get())) > 0) {
    why = "it is not valid yet (thisUpdate in the future)";
    return errc::not_permitted;
  }
  if (next && X509_cmp_current_time(next) < 0) {
    why = "it has expired (nextUpdate passed)";
    return errc::not_permitted;
  }
  verified_crl out;
  out.number = number_of(crl.get());
  if (out.number < 0) {
    why = "it has no CRL number";
    return errc::not_permitted;
  }
  out.crl = std::move(crl);
  out.pem = std::string(pem);
  return out;
}

std::int64_t crl_number_of_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  x509_crl_ptr crl(PEM_read_X509_CRL(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  ERR_clear_error();
  return crl ? number_of(crl.get()) : -1;
}

}  // namespace df::net
