#pragma once
// Files that must survive a power loss once a caller reports success (the manager's revocation
// list, the daemon's cluster cache): data and directory entry are fsync'ed before returning.

#include "core/error.hpp"

#include <filesystem>
#include <string_view>
#include <sys/types.h>

namespace df {

/// Replaces `file` with `text`: a temporary file next to it, written and fsync'ed, renamed over
/// it, then the directory fsync'ed. Readers see the old or the new content, never a part, and
/// the new content is on disk when this returns success. `mode`: permissions of a new file.
result<void> replace_file_durably(const std::filesystem::path& file, std::string_view text, mode_t mode);

/// Appends `text` to `file` (created with `mode` if missing) and fsyncs it, and its directory
/// when the file was created.
result<void> append_durably(const std::filesystem::path& file, std::string_view text, mode_t mode);

}  // namespace df
