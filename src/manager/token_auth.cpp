#include "manager/token_auth.hpp"

#include "core/digest.hpp"
#include "manager/api_error.hpp"
#include "manager/job_codec.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <vector>

namespace df::manager {

std::string random_base64url(std::size_t bytes) {
  std::vector<unsigned char> random(bytes);
  if (::RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw std::runtime_error("no randomness for a token");
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int held = 0;
  for (const auto b : random) {
    bits = (bits << 8) | b;
    held += 8;
    while (held >= 6) out += alphabet[(bits >> (held -= 6)) & 63];
  }
  if (held > 0) out += alphabet[(bits << (6 - held)) & 63];
  return out;
}

std::string generate_token(std::string_view prefix) { return std::string(prefix) + random_base64url(32); }

std::string token_hash(std::string_view token) { return sha256_hex(token); }

std::optional<std::int64_t> token_id_of(store& db, std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || !authorization.starts_with(scheme)) return std::nullopt;
  const auto found = db.find_token(token_hash(authorization.substr(scheme.size())));
  if (!found) return std::nullopt;
  return found->id;
}

personal_access_token authenticate_token(store& db, std::string_view authorization, const std::string& scope,
                                         std::int64_t now) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme)
    throw api_error(401, "unauthorized", "this API needs Authorization: Bearer <personal access token>");
  auto found = db.find_token(token_hash(authorization.substr(scheme.size())));
  if (!found && found.error() == store_errc::not_found)
    throw api_error(401, "unauthorized", "unknown personal access token");
  if (!found) throw api_error(503, "store_unavailable", "the database is unavailable; try again");
  if (found->state != "active") throw api_error(401, "unauthorized", "the personal access token is revoked (inactive)");
  if (found->expired_at <= now)
    throw api_error(401, "unauthorized", "the personal access token expired at " + format_rfc3339(found->expired_at));
  if (found->user_id != 0) {  // a user's token lives and dies with its owner's account
    const auto owner = db.accounts().get_user(found->user_id);
    if (!owner && owner.error() != store_errc::not_found)
      throw api_error(503, "store_unavailable", "the database is unavailable; try again");
    if (!owner || owner->state != "enabled")
      throw api_error(401, "unauthorized", "the personal access token's user is disabled or deleted");
  }
  if (std::find(found->scopes.begin(), found->scopes.end(), scope) == found->scopes.end())
    throw api_error(403, "forbidden", "the personal access token lacks the '" + scope + "' scope");
  (void)db.touch_token(found->id, now);
  return std::move(*found);
}

}  // namespace df::manager
