#pragma once
// Secrets kept in files (bearer tokens): the first line, trailing blanks cut.

#include <cstddef>
#include <string>

namespace df {

/// The token in `path` (its first line, trailing spaces, tabs and CR removed). A missing or
/// unreadable file, an empty token or one over `max_size` is a config_error naming `key` and the
/// path (never the file's content).
std::string read_token_file(const std::string& path, const std::string& key, std::size_t max_size);

}  // namespace df
