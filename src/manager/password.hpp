#pragma once
// Console passwords (docs/console.md, "Accounts"): scrypt with a random salt, stored as
// `scrypt$N$r$p$<salt hex>$<hash hex>`, checked in constant time, and the password policy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// The scrypt cost of new hashes; stored with each hash, so changing it keeps old ones valid.
struct scrypt_cost {
  std::uint64_t n = 16384;  // CPU/memory cost (a power of two): 16 MiB with r = 8
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

/// Longest password accepted anywhere (sign-in included), so hashing stays bounded.
inline constexpr std::size_t max_password_size = 1024;
/// Shortest password a user may set.
inline constexpr std::size_t min_password_size = 12;

/// The stored form of `password` under a new random salt; throws std::runtime_error when
/// OpenSSL has no randomness or scrypt fails (never for valid input).
std::string hash_password(std::string_view password, scrypt_cost cost = {});

/// Whether `password` hashes to `stored` (constant-time compare). A malformed `stored`, or one
/// whose cost is out of bounds (N > 2^20, r > 32, p > 16), never matches.
bool verify_password(std::string_view password, std::string_view stored);

/// Why `password` may not be set (too short, too long), or nullopt when it may.
std::optional<std::string> password_policy_violation(std::string_view password);

}  // namespace df::manager
