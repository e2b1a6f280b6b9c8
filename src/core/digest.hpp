#pragma once
// SHA-256 hashing (OpenSSL, which uses SHA-NI where the CPU has it) and "sha256:<hex>" digest strings.

#include "core/error.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace df {

/// An incremental SHA-256; owned by whoever is hashing a stream (a piece, a whole file).
class sha256_hasher {
 public:
  sha256_hasher();
  ~sha256_hasher();
  sha256_hasher(sha256_hasher&&) noexcept;
  sha256_hasher& operator=(sha256_hasher&&) noexcept;

  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  /// Lower-case hex of the digest; the hasher is reset and can be reused.
  std::string final_hex();

 private:
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> ctx_;
};

/// Lower-case hex SHA-256 of a buffer.
std::string sha256_hex(std::span<const std::byte> data);
std::string sha256_hex(std::string_view data);

/// A digest as users write it: algorithm and lower-case hex value ("sha256:ab12…").
struct digest_spec {
  std::string algorithm;  // only "sha256" for now
  std::string hex;        // 64 lower-case hex characters

  std::string to_string() const { return algorithm + ":" + hex; }
};

/// Parses "sha256:<64 hex>"; upper-case hex is accepted and lowered.
result<digest_spec> parse_digest(std::string_view text);

}  // namespace df
