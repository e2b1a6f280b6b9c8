#pragma once
// dfget's download: ask the local daemon, then hard-link its verified copy (or have it copied, or
// receive the stream) to a temporary file, verify, rename.

#include "cli/exit_codes.hpp"

#include <chrono>
#include <map>
#include <ostream>
#include <string>

namespace df::cli {

/// Everything one dfget invocation asks for (from its flags).
struct download_options {
  std::string url;
  std::string output;
  std::string socket;
  std::map<std::string, std::string> headers;
  std::string digest;  // "sha256:<hex>" or empty
  std::string tag, application, filter;
  std::chrono::milliseconds timeout{0};  // 0 = no limit
  bool disable_back_to_source = false;
  bool stream_over_socket = false;  // receive data frames instead of handing the daemon the file
  bool copy = false;                // an independent copy, never a hard link to the daemon's cache
  std::uint64_t rate_limit = 0;     // bytes/s for this task; 0 = only the daemon's host limits
  bool progress = false;  // draw the progress bar (a terminal)
  bool summary = false;   // print the one-line summary at the end
};

/// Runs the download; messages for the user go to `err`. The output path gets the file only when
/// every byte arrived and (with --digest) matched; otherwise nothing is left there.
exit_code run_download(const download_options& opts, std::ostream& err);

/// Parses "Name: value" (as -H takes it) into the map; false when there is no colon or name.
bool parse_header(const std::string& text, std::map<std::string, std::string>& headers);

}  // namespace df::cli
