#include "core/digest.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

namespace df {

sha256_hasher::sha256_hasher() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
}

sha256_hasher::~sha256_hasher() = default;
sha256_hasher::sha256_hasher(sha256_hasher&&) noexcept = default;
sha256_hasher& sha256_hasher::operator=(sha256_hasher&&) noexcept = default;

void sha256_hasher::update(std::span<const std::byte> data) {
  EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

void sha256_hasher::update(std::string_view data) { EVP_DigestUpdate(ctx_.get(), data.data(), data.size()); }

std::string sha256_hasher::final_hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_.get(), md, &len);
  EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex.push_back(digits[md[i] >> 4]);
    hex.push_back(digits[md[i] & 0xf]);
  }
  return hex;
}

std::string sha256_hex(std::span<const std::byte> data) {
  sha256_hasher h;
  h.update(data);
  return h.final_hex();
}

std::string sha256_hex(std::string_view data) {
  sha256_hasher h;
  h.update(data);
  return h.final_hex();
}

result<digest_spec> parse_digest(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return errc::invalid_argument;
  digest_spec spec{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (spec.algorithm != "sha256" || spec.hex.size() != 64) return errc::invalid_argument;
  for (char& c : spec.hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return errc::invalid_argument;
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return spec;
}

}  // namespace df
