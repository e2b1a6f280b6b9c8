#pragma once
// Messages between dfget and its local dfdaemon over the unix socket, version 1. The daemon answers
// a download_request with download_started, then data frames in file order interleaved with
// progress and notice messages, then download_done or download_error.

#include "core/error.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace df::net::local {

/// dfget asks the daemon to download a URL and stream it back.
struct download_request {
  int version = 1;
  std::string url;
  std::map<std::string, std::string> headers;
  std::string tag, application;
  std::vector<std::string> filters;
  bool disable_back_to_source = false;
  /// true: right after this frame the client sends one byte carrying (SCM_RIGHTS) a writable
  /// regular file; the daemon copies each verified piece into it at its offset and sends no data
  /// frames. false: the bytes come back as data frames.
  bool pass_fd = false;
  /// Bytes/s this task may download at (on top of the host's limit); 0 = no task limit. The first
  /// request for a task sets it.
  std::uint64_t rate_limit = 0;
  /// true (with pass_fd): the client would rather hard-link its output to the daemon's verified
  /// copy than have the bytes copied. When the passed file is on the data file's filesystem, the
  /// daemon copies nothing and names its data file in download_done (cache_path), for the client
  /// to link; otherwise it copies as with pass_fd alone and leaves cache_path empty.
  bool link = false;
};
/// The task is known: its ID and, when known, its length (-1 otherwise).
struct download_started { std::string task_id; std::int64_t content_length = -1; };
/// Where the bytes came from so far (bytes this daemon received for the task, by source).
struct progress {
  std::uint64_t from_peers = 0, from_seed = 0, from_origin = 0, from_cache = 0;
  std::uint64_t delivered = 0;  // bytes of the file handed to the requester so far
};
/// Something the user should know (printed on dfget's stderr), e.g. "scheduler unreachable".
struct notice { std::string message; };
/// Every byte was sent; the final split by source.
struct download_done {
  std::string task_id;
  std::uint64_t content_length = 0;
  progress sources;
  bool back_to_source = false;
  std::string cache_path;  // the daemon's data file of the task, when the request asked to link
};
/// The download failed. error_type: "origin" (origin_status is set), "daemon", "scheduler", "p2p",
/// "digest" (the content failed its content digest), or "output" (the requester's file could not
/// be written, e.g. its disk is full).
struct download_error { std::string error_type, message; int origin_status = 0; };

/// Any local API message.
using message = std::variant<download_request, download_started, progress, notice, download_done, download_error>;

/// JSON text of a message (a frame payload).
std::string encode(const message& m);
/// Decodes a frame payload; malformed input is an error, never a crash.
result<message> decode(std::string_view json);

}  // namespace df::net::local
