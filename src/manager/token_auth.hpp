#pragma once
// Personal access tokens: making one, hashing it for storage, and checking one presented as
// `Authorization: Bearer <token>` on the Open API.

#include "manager/store.hpp"

#include <string>
#include <optional>
#include <string_view>

namespace df::manager {

/// base64url (no padding) over `bytes` random bytes: session cookies, CSRF tokens, passwords.
std::string random_base64url(std::size_t bytes);
/// A new token: `prefix` ("dfp_" for personal access tokens, "dfe_" for enrollment tokens) and 43
/// characters of base64url over 32 random bytes.
std::string generate_token(std::string_view prefix = "dfp_");
/// What is stored: the lower-case hex SHA-256 of the token.
std::string token_hash(std::string_view token);

/// The active, unexpired token behind `authorization` that grants `scope` ("job", "cluster"),
/// its use recorded; else an api_error: 401 (missing, unknown, revoked, expired) or 403 (scope).
/// The id of the stored token behind `authorization` ("Bearer …"), whatever its state; nullopt
/// when there is none (for the audit log).
std::optional<std::int64_t> token_id_of(store& db, std::string_view authorization);

personal_access_token authenticate_token(store& db, std::string_view authorization, const std::string& scope,
                                         std::int64_t now);

}  // namespace df::manager
