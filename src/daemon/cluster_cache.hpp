#pragma once
// The daemon's copy of its last good answer from dfmanager, <data_dir>/manager-cluster.json: read
// at start-up when the manager cannot be reached (docs/manager.md, "How daemons find their cluster").

#include "core/error.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace df::daemon {

/// The cache file's name inside the data directory.
inline constexpr const char* cluster_cache_name = "manager-cluster.json";

/// Writes the manager's answer (JSON text) atomically: a temporary file, fsync, rename. A reader
/// sees the old answer or the new one, never a part.
result<void> save_cluster_cache(const std::filesystem::path& file, const std::string& answer);
/// The cached answer, or nullopt when there is none, it cannot be read, or it is over 1 MiB.
std::optional<std::string> load_cluster_cache(const std::filesystem::path& file);

}  // namespace df::daemon
