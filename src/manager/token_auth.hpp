#pragma once
// Personal access tokens: making one, hashing it for storage, and checking one presented as
// `Authorization: Bearer <token>` on the Open API.

#include "manager/store.hpp"

#include <string>
#include <string_view>

namespace df::manager {

/// A new token: `prefix` ("dfp_" for personal access tokens, "dfe_" for enrollment tokens) and 43
/// characters of base64url over 32 random bytes.
std::string generate_token(std::string_view prefix = "dfp_");
/// What is stored: the lower-case hex SHA-256 of the token.
std::string token_hash(std::string_view token);

/// The active, unexpired token behind `authorization` that grants `scope` ("job", "cluster"),
/// its use recorded; else an api_error: 401 (missing, unknown, revoked, expired) or 403 (scope).
personal_access_token authenticate_token(store& db, std::string_view authorization, const std::string& scope,
                                         std::int64_t now);

}  // namespace df::manager
