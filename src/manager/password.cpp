#include "manager/password.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace df::manager {

namespace {

constexpr std::size_t salt_size = 16;
constexpr std::size_t hash_size = 32;

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

std::optional<std::vector<unsigned char>> from_hex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::vector<unsigned char> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto [end, ec] = std::from_chars(s.data() + 2 * i, s.data() + 2 * i + 2, out[i], 16);
    if (ec != std::errc{} || end != s.data() + 2 * i + 2) return std::nullopt;
  }
  return out;
}

bool scrypt(std::string_view password, const unsigned char* salt, std::size_t salt_n, scrypt_cost c,
            unsigned char* out, std::size_t out_n) {
  const std::uint64_t max_mem = 128 * c.n * c.r * c.p + 128 * c.r * c.p + 1024 * 1024;
  return EVP_PBE_scrypt(password.data(), password.size(), salt, salt_n, c.n, c.r, c.p, max_mem, out, out_n) == 1;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::string hash_password(std::string_view password, scrypt_cost cost) {
  std::array<unsigned char, salt_size> salt{};
  std::array<unsigned char, hash_size> hash{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("no randomness for a salt");
  if (!scrypt(password, salt.data(), salt.size(), cost, hash.data(), hash.size()))
    throw std::runtime_error("scrypt failed");
  return fmt::format("scrypt${}${}${}${}${}", cost.n, cost.r, cost.p, to_hex(salt.data(), salt.size()),
                     to_hex(hash.data(), hash.size()));
}

bool verify_password(std::string_view password, std::string_view stored) {
  if (password.size() > max_password_size) return false;
  std::array<std::string_view, 6> part;
  for (std::size_t i = 0; i < part.size(); ++i) {
    const auto dollar = stored.find('$');
    if ((dollar == std::string_view::npos) != (i + 1 == part.size())) return false;
    part[i] = stored.substr(0, dollar);
    stored = dollar == std::string_view::npos ? std::string_view() : stored.substr(dollar + 1);
  }
  scrypt_cost c;
  if (part[0] != "scrypt" || !parse_number(part[1], c.n) || !parse_number(part[2], c.r) ||
      !parse_number(part[3], c.p))
    return false;
  if (c.n < 2 || c.n > (1u << 20) || (c.n & (c.n - 1)) != 0 || c.r == 0 || c.r > 32 || c.p == 0 || c.p > 16)
    return false;
  const auto salt = from_hex(part[4]);
  const auto expected = from_hex(part[5]);
  if (!salt || salt->empty() || salt->size() > 64 || !expected || expected->size() != hash_size) return false;
  std::vector<unsigned char> got(expected->size());
  if (!scrypt(password, salt->data(), salt->size(), c, got.data(), got.size())) return false;
  return CRYPTO_memcmp(got.data(), expected->data(), got.size()) == 0;
}

std::optional<std::string> password_policy_violation(std::string_view password) {
  if (password.size() < min_password_size)
    return fmt::format("must have at least {} characters", min_password_size);
  if (password.size() > max_password_size) return fmt::format("must have at most {} characters", max_password_size);
  return std::nullopt;
}

}  // namespace df::manager
