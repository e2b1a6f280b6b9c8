#include "net/cert_mint.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace df::net {

void x509_free::operator()(X509* p) const noexcept { X509_free(p); }
void evp_pkey_free::operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }

namespace {

using clock = std::chrono::system_clock;
constexpr auto backdate = std::chrono::minutes(5);  // clients whose clock is a little behind

struct cert_bio_free {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct extension_free {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct general_names_free {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};

// Never prompts on a terminal for an encrypted key: the daemon runs unattended.
int no_passphrase(char*, int, int, void*) { return 0; }

bool ip_literal(const std::string& host) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

clock::time_point to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return clock::time_point{};
  return clock::from_time_t(::timegm(&tm));
}

bool add_extension(X509* cert, X509V3_CTX& ctx, int nid, const char* value) {
  std::unique_ptr<X509_EXTENSION, extension_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// The subjectAltName built as structures, never from a config string: a host cannot smuggle a
// second name in with a comma.
bool add_subject_alt_name(X509* cert, const std::string& host) {
  std::unique_ptr<GENERAL_NAMES, general_names_free> names(sk_GENERAL_NAME_new_null());
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (!names || !name) {
    GENERAL_NAME_free(name);
    return false;
  }
  if (ip_literal(host)) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
    if (!ip) {
      GENERAL_NAME_free(name);
      return false;
    }
    GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
  } else {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    if (!dns || ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size())) != 1) {
      ASN1_IA5STRING_free(dns);
      GENERAL_NAME_free(name);
      return false;
    }
    GENERAL_NAME_set0_value(name, GEN_DNS, dns);
  }
  if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
    GENERAL_NAME_free(name);
    return false;
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

bool valid_certificate_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  const std::string text(host);
  if (ip_literal(text)) return true;
  std::size_t label = 0;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c == '.') {
      if (label == 0 || host[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || (c == '-' && label > 0);
    if (!ok || ++label > 63) return false;
  }
  return label > 0 && host.back() != '-';
}

cert_authority::cert_authority(x509_ptr cert, evp_pkey_ptr key)
    : cert_(cert.release(), X509_free), key_(key.release(), EVP_PKEY_free),
      not_after_(to_time_point(X509_get0_notAfter(cert_.get()))) {}

result<cert_authority> cert_authority::load(const std::string& cert_path, const std::string& key_path,
                                            std::string& error_text) {
  const auto fail = [&](std::string text) {
    error_text = std::move(text);
    return make_error_code(errc::invalid_argument);
  };
  std::unique_ptr<BIO, cert_bio_free> cert_bio(BIO_new_file(cert_path.c_str(), "r"));
  if (!cert_bio) return fail("cannot read the CA certificate " + cert_path);
  x509_ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, no_passphrase, nullptr));
  if (!cert) return fail(cert_path + " holds no PEM certificate");
  std::unique_ptr<BIO, cert_bio_free> key_bio(BIO_new_file(key_path.c_str(), "r"));
  if (!key_bio) return fail("cannot read the CA key " + key_path);
  evp_pkey_ptr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) return fail(key_path + " holds no PEM private key (an encrypted key is not supported)");
  if (X509_check_ca(cert.get()) < 1)
    return fail(cert_path + " is not a CA certificate (basicConstraints CA:TRUE is needed to sign leaves)");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return fail(key_path + " is not the private key of " + cert_path);
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) return fail(cert_path + " has expired");
  return cert_authority(std::move(cert), std::move(key));
}

result<std::shared_ptr<const leaf_certificate>> cert_authority::mint(std::string_view host_view,
                                                                     std::chrono::seconds validity,
                                                                     clock::time_point now) const {
  const std::string host = lowercase(host_view);
  if (!valid_certificate_host(host)) return errc::invalid_argument;
  const auto until = std::min(now + validity, not_after_);
  if (until <= now) return errc::invalid_argument;  // the CA itself has expired
  evp_pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  x509_ptr cert(X509_new());
  if (!key || !cert) return errc::invalid_argument;
  X509* x = cert.get();
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return errc::invalid_argument;
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  const bool serial_set = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  std::time_t now_t = clock::to_time_t(now);
  const long after = static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(until - now).count());
  const long before = -static_cast<long>(std::chrono::seconds(backdate).count());
  X509_NAME* subject = X509_get_subject_name(x);
  // A CN holds at most 64 characters; longer names are in the subjectAltName only (what clients check).
  const auto* cn = reinterpret_cast<const unsigned char*>(host.c_str());
  const bool named = host.size() > 64 || X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1;
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert_.get(), x, nullptr, nullptr, 0);
  const bool ok = serial_set && named && X509_set_version(x, X509_VERSION_3) == 1 &&
                  X509_time_adj_ex(X509_getm_notBefore(x), 0, before, &now_t) &&
                  X509_time_adj_ex(X509_getm_notAfter(x), 0, after, &now_t) &&
                  X509_set_issuer_name(x, X509_get_subject_name(cert_.get())) == 1 &&
                  X509_set_pubkey(x, key.get()) == 1 &&
                  add_extension(x, ctx, NID_basic_constraints, "critical,CA:FALSE") &&
                  add_extension(x, ctx, NID_key_usage, "critical,digitalSignature") &&
                  add_extension(x, ctx, NID_ext_key_usage, "serverAuth") &&
                  add_extension(x, ctx, NID_subject_key_identifier, "hash") &&
                  add_extension(x, ctx, NID_authority_key_identifier, "keyid:always") &&
                  add_subject_alt_name(x, host);
  if (!ok) return errc::invalid_argument;
  // Ed25519 / Ed448 CA keys sign without a separate digest.
  const int ca_type = EVP_PKEY_get_base_id(key_.get());
  const EVP_MD* md = ca_type == EVP_PKEY_ED25519 || ca_type == EVP_PKEY_ED448 ? nullptr : EVP_sha256();
  if (X509_sign(x, key_.get(), md) <= 0) return errc::invalid_argument;
  auto leaf = std::make_shared<leaf_certificate>();
  leaf->host = host;
  leaf->not_after = to_time_point(X509_get0_notAfter(x));
  leaf->cert = std::move(cert);
  leaf->key = std::move(key);
  return std::shared_ptr<const leaf_certificate>(std::move(leaf));
}

leaf_cache::leaf_cache(cert_authority ca, std::size_t capacity, std::chrono::seconds validity)
    : ca_(std::move(ca)), capacity_(std::max<std::size_t>(capacity, 1)), validity_(validity) {}

result<std::shared_ptr<const leaf_certificate>> leaf_cache::get(std::string_view host_view, clock::time_point now) {
  const std::string host = lowercase(host_view);
  if (const auto it = index_.find(host); it != index_.end()) {
    const entry leaf = *it->second;
    if (now + validity_ / 2 < leaf->not_after) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return leaf;
    }
    lru_.erase(it->second);  // past half its life: mint a fresh one
    index_.erase(it);
  }
  auto minted = ca_.mint(host, validity_, now);
  if (!minted) return minted.error();
  ++minted_;
  lru_.push_front(*minted);
  index_[host] = lru_.begin();
  while (index_.size() > capacity_) {
    index_.erase(lru_.back()->host);
    lru_.pop_back();
  }
  return *minted;
}

}  // namespace df::net
