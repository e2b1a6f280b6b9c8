#pragma once
// The web console's built files (console/dist), served by dfmanager at `/` (docs/console.md).

#include "net/asio.hpp"
#include "net/http_server.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// Whether a request path belongs to the console rather than to the API (/api, /oapi, /healthy,
/// /metrics are never the console's).
bool is_console_path(std::string_view path);

/// A request path made safe to join under the console's directory: percent-decoded, without
/// its leading '/', "" for the root; nullopt when it names something outside the directory
/// (a ".." or "." segment, a NUL, a backslash, an empty segment) or is longer than 1024 bytes.
std::optional<std::string> console_relative_path(std::string_view path);

/// The Content-Type of a file, from its extension (application/octet-stream when unknown).
std::string_view console_content_type(std::string_view file_name);

/// The file a console request is answered with, and how.
struct console_file {
  std::filesystem::path file;  // canonical, inside the console's directory
  std::string content_type;
  std::string cache_control;  // immutable for the hashed assets/, no-cache for the rest
};

/// Serves one directory of static files with the console's headers (CSP, nosniff, frame and
/// referrer policy) and its SPA fallback. Owned by the manager's server; read-only after start.
class console_assets {
 public:
  /// `dir` must exist (canonicalised here; throws std::filesystem::filesystem_error otherwise).
  explicit console_assets(const std::filesystem::path& dir);

  /// What a GET of `path` (no query) answers: the file it names; index.html for a path that
  /// names no file and is not under assets/ (the app's own routes); nullopt (404) for anything
  /// unsafe, a missing asset, or a symlink that leads out of the directory.
  std::optional<console_file> lookup(std::string_view path) const;

  /// Answers a request the console claims (is_console_path): GET and HEAD only (405 otherwise).
  net::awaitable<void> serve(const net::http_request& r, net::response_writer& w) const;

  const std::filesystem::path& root() const { return root_; }

 private:
  std::optional<std::filesystem::path> inside(const std::filesystem::path& candidate) const;

  std::filesystem::path root_;  // canonical
};

}  // namespace df::manager
