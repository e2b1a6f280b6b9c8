#pragma once
// What a daemon records about one stored task: its layout, verified pieces and their digests.

#include "core/bitfield.hpp"
#include "core/error.hpp"
#include "core/piece_layout.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::storage {

/// The metadata of one stored task (meta.json beside its data file); owned by the task_store.
struct task_metadata {
  std::string task_id;
  std::string url;  // without userinfo: no secret is stored
  std::string tag, application;           // with url and filters, what the task ID is computed from
  std::vector<std::string> filters;
  std::optional<std::uint64_t> content_length;  // empty until the origin told us
  std::uint64_t piece_size = 0;
  std::vector<std::string> piece_digests;  // sha256 hex per piece; empty string = unknown yet
  bitfield verified;                       // pieces whose bytes are on disk and matched their digest
  bool complete = false;                   // every piece verified
  std::string etag;                        // the origin's validators, for resuming with If-Range
  std::string last_modified;
  std::string digest;  // "sha256:<hex>" the whole content was checked against (registry blobs); "" = none
  // This daemon read the content from the origin without any credential and the origin answered
  // 2xx: anyone may read it there, so the proxy serves it without asking the origin again.
  bool public_content = false;
  // A request carrying credentials (a credential header or a URL's userinfo) asked for it on this
  // host: the content may be private, so any later local requester must be one the origin would
  // serve (the same check as the proxy's) before it gets it from this cache.
  bool credentialed = false;
  std::int64_t last_access_unix = 0;
  // The data file's modification time when the task completed (0 = not recorded). A later one
  // means someone wrote into it, e.g. through a hard-linked output: the copy is no longer trusted.
  std::int64_t data_mtime_ns = 0;

  piece_layout layout() const { return {content_length.value_or(0), piece_size}; }
};

/// JSON text of the metadata (the on-disk format; see docs/protocol.md "Storage").
std::string encode_metadata(const task_metadata& m);
/// Parses encode_metadata's output; malformed or inconsistent input is an error, never a crash.
result<task_metadata> decode_metadata(std::string_view text);

}  // namespace df::storage
