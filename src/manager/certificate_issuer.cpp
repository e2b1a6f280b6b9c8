#include "manager/certificate_issuer.hpp"

#include "manager/revocation_list.hpp"
#include "net/cert_mint.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace df::manager {

namespace {

// An OpenSSL object owned by a unique_ptr that frees it with `free`.
template <class T, auto free>
struct openssl_deleter {
  void operator()(T* p) const { free(p); }
};
template <class T, auto free>
using openssl_ptr = std::unique_ptr<T, openssl_deleter<T, free>>;
using bio_ptr = openssl_ptr<BIO, BIO_free>;
using req_ptr = openssl_ptr<X509_REQ, X509_REQ_free>;
using crl_ptr = openssl_ptr<X509_CRL, X509_CRL_free>;
using bn_ptr = openssl_ptr<BIGNUM, BN_free>;
using asn1_integer_ptr = openssl_ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using asn1_time_ptr = openssl_ptr<ASN1_TIME, ASN1_TIME_free>;

// The contents of a memory BIO.
std::string bio_text(BIO* out) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A serial as an ASN.1 integer, from hex; null when the text is not hex.
asn1_integer_ptr serial_from_hex(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (hex.empty() || BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(raw);
    return nullptr;
  }
  bn_ptr bn(raw);
  return asn1_integer_ptr(BN_to_ASN1_INTEGER(bn.get(), nullptr));
}

bool valid_certificate_name(std::string_view name) {
  return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_';
  });
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
  if (!ext) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string pem_of(X509* cert) {
  bio_ptr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509(out.get(), cert) != 1) return {};
  return bio_text(out.get());
}

}  // namespace

struct certificate_issuer::keys {
  net::x509_ptr cert;
  net::evp_pkey_ptr key;
};

certificate_issuer::~certificate_issuer() = default;

result<std::unique_ptr<certificate_issuer>> certificate_issuer::load(const std::string& cert_file,
                                                                     const std::string& key_file,
                                                                     std::chrono::seconds validity, std::string& why) {
  std::unique_ptr<certificate_issuer> out(new certificate_issuer());
  out->keys_ = std::make_unique<keys>();
  out->validity_ = validity;
  if (std::FILE* f = std::fopen(cert_file.c_str(), "r")) {
    out->keys_->cert.reset(PEM_read_X509(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  if (!out->keys_->cert || X509_check_ca(out->keys_->cert.get()) == 0) {
    why = "enrollment.ca_cert " + cert_file + " is not a readable PEM CA certificate";
    return errc::invalid_argument;
  }
  if (std::FILE* f = std::fopen(key_file.c_str(), "r")) {
    out->keys_->key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  if (!out->keys_->key || X509_check_private_key(out->keys_->cert.get(), out->keys_->key.get()) != 1) {
    why = "enrollment.ca_key " + key_file + " is not the (unencrypted PEM) key of " + cert_file;
    return errc::invalid_argument;
  }
  out->ca_pem_ = pem_of(out->keys_->cert.get());
  return out;
}

result<std::string> certificate_issuer::issue(std::string_view request_pem, std::string_view role,
                                              std::string& why) const {
  bio_ptr in(BIO_new_mem_buf(request_pem.data(), static_cast<int>(request_pem.size())));
  req_ptr req(in ? PEM_read_bio_X509_REQ(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!req) {
    why = "csr is not a PEM certificate request";
    return errc::invalid_argument;
  }
  net::evp_pkey_ptr subject_key(X509_REQ_get_pubkey(req.get()));
  if (!subject_key || X509_REQ_verify(req.get(), subject_key.get()) != 1) {
    why = "the certificate request's signature does not verify";
    return errc::invalid_argument;
  }
  char cn[256] = {};
  const int cn_len = X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  const std::string name = cn_len > 0 ? std::string(cn, static_cast<std::size_t>(cn_len)) : std::string();
  if (!valid_certificate_name(name)) {
    why = "the certificate request's common name must be the host or instance name (letters, digits, '.', "
          "'-', '_'; at most 253)";
    return errc::invalid_argument;
  }

  X509* ca = keys_->cert.get();
  net::x509_ptr cert(X509_new());
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_NAME* subject = X509_NAME_new();
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                             -1, 0);
  const std::string uri = "URI:spiffe://dragonfly/" + std::string(role) + "/" + name;
  // Backdated a little for clocks that lag; never valid past the CA.
  const long lifetime = static_cast<long>(validity_.count());
  bool ok = serial_ok && X509_set_version(cert.get(), 2) == 1 && X509_set_subject_name(cert.get(), subject) == 1 &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(ca)) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) && X509_gmtime_adj(X509_getm_notAfter(cert.get()), lifetime) &&
            X509_set_pubkey(cert.get(), subject_key.get()) == 1;
  X509_NAME_free(subject);
  if (ok && ASN1_TIME_compare(X509_get0_notAfter(cert.get()), X509_get0_notAfter(ca)) > 0)
    ok = X509_set1_notAfter(cert.get(), X509_get0_notAfter(ca)) == 1;
  ok = ok && add_extension(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE") &&
       add_extension(cert.get(), ca, NID_key_usage, "critical,digitalSignature") &&
       add_extension(cert.get(), ca, NID_ext_key_usage, "serverAuth,clientAuth") &&
       add_extension(cert.get(), ca, NID_subject_alt_name, uri.c_str()) &&
       add_extension(cert.get(), ca, NID_authority_key_identifier, "keyid:always");
  const EVP_MD* md = EVP_PKEY_id(keys_->key.get()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (!ok || X509_sign(cert.get(), keys_->key.get(), md) <= 0) {
    why = "signing the certificate failed";
    return errc::invalid_argument;
  }
  return pem_of(cert.get());
}

std::string serial_of(x509_st* cert) {
  bn_ptr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  char* hex = serial ? BN_bn2hex(serial.get()) : nullptr;
  if (!hex) return {};
  auto out = canonical_serial(hex);
  OPENSSL_free(hex);
  return out;
}

result<issued_certificate> certificate_issuer::describe_issued(std::string_view cert_pem, std::string& why) const {
  bio_ptr in(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  net::x509_ptr cert(in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    why = "certificate is not a PEM certificate";
    return errc::invalid_argument;
  }
  X509* ca = keys_->cert.get();
  if (X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca)) != 0 ||
      X509_verify(cert.get(), X509_get0_pubkey(ca)) != 1) {
    why = "the certificate was not signed by this manager's CA";
    return errc::invalid_argument;
  }
  issued_certificate out{serial_of(cert.get()), {}};
  if (out.serial.empty()) {
    why = "the certificate's serial cannot be read";
    return errc::invalid_argument;
  }
  char cn[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  if (n > 0) out.common_name.assign(cn, static_cast<std::size_t>(n));
  std::tm expiry{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &expiry) == 1) out.not_after = timegm(&expiry);
  return out;
}

result<std::string> certificate_issuer::sign_crl(const std::vector<revoked_certificate>& revoked, std::int64_t number,
                                                 std::chrono::seconds validity, std::string& why) const {
  X509* ca = keys_->cert.get();
  crl_ptr crl(X509_CRL_new());
  const std::time_t now = std::time(nullptr);
  asn1_time_ptr this_update(ASN1_TIME_adj(nullptr, now, 0, 0));
  asn1_time_ptr next_update(ASN1_TIME_adj(nullptr, now, 0, static_cast<long>(validity.count())));
  asn1_integer_ptr crl_number(ASN1_INTEGER_new());
  bool ok = crl && this_update && next_update && crl_number && X509_CRL_set_version(crl.get(), 1) == 1 &&
            X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca)) == 1 &&
            X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) == 1 &&
            X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) == 1 &&
            ASN1_INTEGER_set_int64(crl_number.get(), number) == 1 &&
            X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crl_number.get(), 0, 0) == 1;
  for (const auto& r : revoked) {
    if (!ok) break;
    auto serial = serial_from_hex(r.serial);
    asn1_time_ptr when(ASN1_TIME_set(nullptr, static_cast<std::time_t>(r.revoked_at)));
    X509_REVOKED* entry = X509_REVOKED_new();
    ok = serial && when && entry && X509_REVOKED_set_serialNumber(entry, serial.get()) == 1 &&
         X509_REVOKED_set_revocationDate(entry, when.get()) == 1 && X509_CRL_add0_revoked(crl.get(), entry) == 1;
    if (!ok) X509_REVOKED_free(entry);
  }
  const EVP_MD* md = EVP_PKEY_id(keys_->key.get()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  ok = ok && X509_CRL_sort(crl.get()) == 1 && X509_CRL_sign(crl.get(), keys_->key.get(), md) > 0;
  bio_ptr out(BIO_new(BIO_s_mem()));
  if (!ok || !out || PEM_write_bio_X509_CRL(out.get(), crl.get()) != 1) {
    why = "signing the certificate revocation list failed";
    return errc::invalid_argument;
  }
  return bio_text(out.get());
}

}  // namespace df::manager
