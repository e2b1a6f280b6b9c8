#pragma once
// The bearer tokens of the manager's API (the admin token until users and roles exist, the
// component token): where they come from and how a request's Authorization header is checked.

#include <string>
#include <string_view>

namespace df::manager {

/// The configured token, or the one in <data_dir>/admin_token, created there (random, mode 0600)
/// when absent. Throws config_error when the file cannot be read or written.
std::string load_or_create_admin_token(const std::string& configured, const std::string& data_dir);

/// The same for any token file: `configured`, else the first line of `path`, else a new random
/// token written there (mode 0600).
std::string load_or_create_token(const std::string& configured, const std::string& path);

/// Whether `authorization` is "Bearer <token>" for this token; compares in constant time
/// (digests of equal length), so timing says nothing about how much of a guess was right.
bool bearer_matches(std::string_view authorization, const std::string& token);

}  // namespace df::manager
