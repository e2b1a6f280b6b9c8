#include "net/digest_signature.hpp"

#include "net/cert_mint.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <charconv>
#include <cstdio>
#include <vector>

namespace df::net {

namespace {

constexpr std::string_view statement_prefix = "dragonfly piece digest v1\n";
constexpr std::size_t max_signature_bytes = 128;  // ECDSA P-256 DER ≤ 72, Ed25519 64

// Ed25519 signs the message itself; other key types sign its SHA-256.
const EVP_MD* digest_for(EVP_PKEY* key) { return EVP_PKEY_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256(); }

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view text, std::vector<unsigned char>& out) {
  if (text.size() % 2 != 0 || text.size() / 2 > max_signature_bytes) return false;
  out.resize(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char* begin = text.data() + 2 * i;
    if (std::from_chars(begin, begin + 2, out[i], 16).ptr != begin + 2) return false;
  }
  return true;
}

std::string read_text_file(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) out.append(buffer, n);
    std::fclose(f);
  }
  return out;
}

}  // namespace

std::string piece_statement::bytes() const {
  return fmt::format("{}{}\n{}\n{}\n{}\n{}", statement_prefix, task_id, content_length, piece_size, piece, digest);
}

wire_digest split_wire_digest(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return {std::string(text), {}};
  return {std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

std::string join_wire_digest(std::string_view digest, std::string_view signature) {
  if (signature.empty()) return std::string(digest);
  return std::string(digest) + "." + std::string(signature);
}

struct statement_signer::key {
  evp_pkey_ptr pkey;
};

statement_signer::~statement_signer() = default;

result<std::unique_ptr<statement_signer>> statement_signer::load(const std::string& key_file,
                                                                 const std::string& cert_file) {
  std::unique_ptr<statement_signer> out(new statement_signer());
  out->key_ = std::make_unique<key>();
  std::FILE* f = std::fopen(key_file.c_str(), "r");
  if (!f) return errc::invalid_argument;
  out->key_->pkey.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!out->key_->pkey) return errc::invalid_argument;
  // The first certificate of the chain file is this component's.
  const std::string chain = read_text_file(cert_file);
  const auto end = chain.find("-----END CERTIFICATE-----");
  if (end == std::string::npos) return errc::invalid_argument;
  out->certificate_pem_ = chain.substr(0, end + 25) + "\n";
  return out;
}

std::string statement_signer::sign(const piece_statement& s) const {
  const std::string message = s.bytes();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[max_signature_bytes];
  std::size_t length = sizeof sig;
  const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, digest_for(key_->pkey.get()), nullptr, key_->pkey.get()) == 1 &&
                  EVP_DigestSign(ctx, sig, &length, reinterpret_cast<const unsigned char*>(message.data()),
                                 message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? to_hex(sig, length) : std::string();
}

struct statement_verifier::key {
  evp_pkey_ptr pkey;
};

statement_verifier::~statement_verifier() = default;

result<std::unique_ptr<statement_verifier>> statement_verifier::load(tls_identity& identity,
                                                                     std::string_view certificate_pem,
                                                                     std::string& why) {
  BIO* bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
  X509* cert = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!cert) {
    why = "the signer certificate is not a PEM certificate";
    return errc::not_permitted;
  }
  std::unique_ptr<statement_verifier> out(new statement_verifier());
  auto id = identity.check_certificate(cert, why);
  if (id && id->role != cluster_role::peer && id->role != cluster_role::seed_peer) {
    why = "the signer certificate is a " + std::string(role_name(id->role)) + "'s, not a daemon's";
    id = errc::not_permitted;
  }
  if (id) {
    out->signer_ = *id;
    out->key_ = std::make_unique<key>();
    out->key_->pkey.reset(X509_get_pubkey(cert));
    out->certificate_pem_ = std::string(certificate_pem);
  }
  X509_free(cert);
  if (!id) return id.error();
  if (!out->key_->pkey) {
    why = "the signer certificate has no usable public key";
    return errc::not_permitted;
  }
  return out;
}

bool statement_verifier::verify(const piece_statement& s, std::string_view signature) const {
  std::vector<unsigned char> sig;
  if (signature.empty() || !from_hex(signature, sig)) return false;
  const std::string message = s.bytes();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx &&
                  EVP_DigestVerifyInit(ctx, nullptr, digest_for(key_->pkey.get()), nullptr, key_->pkey.get()) == 1 &&
                  EVP_DigestVerify(ctx, sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                                   message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace df::net
