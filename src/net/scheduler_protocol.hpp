#pragma once
// Messages between dfdaemon and dfscheduler, version 1. Each travels as one JSON frame with a
// "type" field; docs/protocol.md lists every field.

#include "core/error.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace df::net::proto {

inline constexpr int protocol_version = 1;

/// A host as its daemon describes itself in `hello`.
struct host_info {
  std::string host_id;
  std::string hostname;
  std::string ip;
  std::uint16_t upload_port = 0;
  std::string idc;
  std::string location;
  bool seed = false;
  std::uint64_t upload_rate_limit = 0;  // bytes/s, 0 = unlimited
  /// What this daemon understands beyond the base of version 1 (feature_reverify, …); a message a
  /// daemon did not list is never sent to it (an older daemon hangs up on an unknown type).
  std::vector<std::string> features;
};

/// The daemon answers `reverify` (it lists this in host_info::features).
inline constexpr std::string_view feature_reverify = "reverify";
/// The daemon runs the manager's jobs: it answers `preheat` and `delete_task` (docs/jobs-dispatch.md).
inline constexpr std::string_view feature_jobs = "jobs";
/// Whether a host listed a feature in its hello.
bool has_feature(const host_info& host, std::string_view feature);

/// A parent as the scheduler hands it to a child: where to fetch and what it holds.
struct parent_info {
  std::string peer_id;
  std::string host_id;
  std::string ip;
  std::uint16_t upload_port = 0;
  bool seed = false;
  std::vector<std::uint32_t> pieces;  // the piece numbers it holds (small holdings) ...
  std::string held;                   // ... or, for large ones, a hex bitfield (bitfield::to_hex); "" = none
};

/// One piece a parent newly holds, with the digest the source computed.
struct piece_entry {
  std::uint32_t piece = 0;
  std::string digest;
};

// ---- daemon → scheduler -------------------------------------------------------------------
/// First message on a connection: protocol version and the host.
struct hello { int version = protocol_version; host_info host; };
/// Keeps the host alive; sent every keepalive interval.
struct keepalive {};
/// A peer starts (or, after a scheduler restart, re-announces) a task. `source`: it is already
/// reading the task from the origin; `complete`: it already holds every piece.
struct register_peer {
  std::string task_id, peer_id, url;
  std::map<std::string, std::string> headers;
  std::string tag, application;
  std::vector<std::string> filters;
  bool source = false;
  bool complete = false;
  std::string digest;  // "sha256:<hex>" the whole content must match (registry blobs); "" = none
};
/// The source peer learnt the layout from the origin (content_length -1 = still unknown).
/// `signer`: the source's certificate (PEM) when it signs its piece digests; "" = it does not.
struct task_meta {
  std::string task_id, peer_id;
  std::int64_t content_length = -1;
  std::uint64_t piece_size = 0;
  std::string signer;
};
/// A peer stored and verified a piece; `digest` is set when the peer read it from the origin
/// ("<hex>" or, signed by the source, "<hex>.<hex signature>": net/digest_signature.hpp).
struct piece_done { std::string task_id, peer_id; std::uint32_t piece = 0; std::string digest; };
/// A peer holds the whole task. The byte counts (optional, later in version 1; 0 from older
/// daemons) say where its content came from, for the manager's download analytics.
struct peer_done {
  std::string task_id, peer_id;
  std::uint64_t bytes_from_peers = 0, bytes_from_origin = 0;
};
/// A peer gave up; origin_status is the origin's HTTP status when that was the cause.
/// `error_type` "digest" says the content itself failed its digest (nobody should fetch it
/// again directly); "" for any other cause.
/// The byte counts are as in peer_done (what it had received before giving up).
struct peer_failed {
  std::string task_id, peer_id, message;
  int origin_status = 0;
  std::string error_type;
  std::uint64_t bytes_from_peers = 0, bytes_from_origin = 0;
};
/// A child could not use one of its parents (connection, digest mismatch, missing piece).
/// `pieces`: the ones whose bytes failed their digest ([] for any other cause).
struct parent_failed {
  std::string task_id, peer_id, parent_peer_id, reason;
  std::vector<std::uint32_t> pieces;
};
/// A peer leaves the task (download finished and cache dropped, or cancelled).
struct leave_peer { std::string task_id, peer_id; };
/// The answer to `reverify`: the pieces re-hashed from disk that failed their digest and are
/// dropped now (no longer held, served or counted), and the ones that matched.
struct reverified {
  std::string task_id, peer_id;
  std::vector<std::uint32_t> dropped, verified;
};

// ---- scheduler → daemon -------------------------------------------------------------------
/// To a seed host: fetch this task from the origin (it answers with register_peer).
struct seed_task {
  std::string task_id, url;
  std::map<std::string, std::string> headers;
  std::string tag, application;
  std::vector<std::string> filters;
  std::string digest;  // as in register_peer
};
/// The task's layout, once the source knows it, and the certificate its digests are signed with.
struct task_info {
  std::string task_id, peer_id;
  std::int64_t content_length = -1;
  std::uint64_t piece_size = 0;
  std::string signer;  // as in task_meta
};
/// The peer's current parents (replaces the previous set) and every piece digest known so far.
struct parents {
  std::string task_id, peer_id;
  std::vector<parent_info> parents;
  std::vector<std::string> digests;  // by piece number; "" = not known yet
};
/// Piece digests from `first` on, for a task too big to carry them in `parents` (split_for_wire).
struct digests { std::string task_id, peer_id; std::uint32_t first = 0; std::vector<std::string> digests; };
/// One of the peer's parents holds new pieces.
struct have { std::string task_id, peer_id, parent_peer_id; std::vector<piece_entry> pieces; };
/// The peer must fetch from the origin itself (it is the task's source).
struct back_to_source { std::string task_id, peer_id, reason; };
/// The task failed at its source; every waiting peer gets this.
struct task_failed { std::string task_id, peer_id, message; int origin_status = 0; std::string error_type; };

/// To a quarantined holder (with feature_reverify): re-hash these pieces (the ones its children
/// reported; [] = none named) from disk against the task's digests and drop whatever fails.
struct reverify { std::string task_id, peer_id; std::vector<std::uint32_t> pieces; };

/// To a host (with feature_jobs): fetch this task into the cache as a dfget would, through the
/// swarm, without an output file; answered by `preheat_done` once the task is durable.
struct preheat {
  std::string task_id, url;
  std::map<std::string, std::string> headers;
  std::string tag, application;
  std::vector<std::string> filters;
};
/// To a host (with feature_jobs): evict the task from the cache unless it is in use; answered by
/// `task_deleted`.
struct delete_task { std::string task_id; };

// ---- daemon → scheduler, answers to jobs --------------------------------------------------
/// The preheat of a task ended: its bytes, how long it took, where they came from ("peers",
/// "origin" or "cache": it held the task already); `error` "" = success.
struct preheat_done {
  std::string task_id;
  std::uint64_t bytes = 0;
  std::int64_t duration_ms = 0;
  std::string source, error;
};
/// The answer to delete_task: whether the host held the task, and why it kept it ("" = removed
/// or never held).
struct task_deleted { std::string task_id; bool held = false; std::string error; };

// ---- manager → scheduler, scheduler → manager (docs/jobs-dispatch.md) ------------------------
/// The first and only message of a manager's connection: run one job in this scheduler's hosts.
/// `task_id` names the task of get_task / delete_task ("" = computed from urls[0] and the
/// filters); `token` authenticates the manager when security.mode is not mtls.
struct job_request {
  std::int64_t job_id = 0;
  std::string job;  // "preheat", "get_task", "delete_task" (the message's own "type" is job_request)
  std::vector<std::string> urls;
  std::string task_id;
  std::map<std::string, std::string> headers;
  std::string tag, application;
  std::vector<std::string> filters;
  std::string scope = "single_seed_peer";  // "single_seed_peer", "all_seed_peers", "all_peers"
  std::int64_t concurrent_count = 50;
  std::int64_t timeout_ms = 0;  // 0 = the scheduler's default
  std::string token;
};
/// What one host did with one URL of a job.
struct job_host {
  std::string hostname, ip, url;
  std::uint64_t bytes = 0;
  std::int64_t duration_ms = 0;
  std::string source, error;  // source as in preheat_done; error "" = success
};
/// The scheduler's answer to job_request, then it closes the connection. `error`: why nothing
/// could be done at all ("" when `hosts` says what happened).
struct job_result {
  std::int64_t job_id = 0;
  std::vector<job_host> hosts;
  std::string error;
};

/// Any message of protocol version 1.
using message = std::variant<hello, keepalive, register_peer, task_meta, piece_done, peer_done, peer_failed,
                             parent_failed, leave_peer, seed_task, task_info, parents, have, back_to_source,
                             task_failed, digests, reverify, reverified, preheat, delete_task, preheat_done,
                             task_deleted, job_request, job_result>;

/// Bounds on the variable-size fields of a message, checked by decode() before a message is used.
struct field_limits {
  static constexpr std::size_t id = 256;            // peer_id, host_id, hostname, ip, idc, location, tag, …
  static constexpr std::size_t url = 8192;
  static constexpr std::size_t headers = 64;        // header count
  static constexpr std::size_t header_bytes = 16384;  // all names and values together
  static constexpr std::size_t filters = 64;
  static constexpr std::size_t text = 4096;         // error messages and reasons
  static constexpr std::size_t digest = 320;        // one piece or content digest (with its signature)
  static constexpr std::size_t certificate = 8192;  // a signer's certificate (PEM)
  static constexpr std::size_t parents = 64;        // parents in one `parents` message
  static constexpr std::size_t features = 16;       // host_info::features entries
  static constexpr std::size_t reported_pieces = 64;  // pieces named in one parent_failed
  static constexpr std::uint64_t task_bytes = std::uint64_t{1} << 50;  // a byte count in peer_done/peer_failed
  static constexpr std::size_t reverify_pieces = 1024;  // pieces in one `reverify`
  static constexpr std::size_t job_urls = 256;      // URLs in one job_request
  static constexpr std::size_t job_hosts = 8192;    // host results in one job_result
};

/// Entries a message may carry and still fit a frame: a parents message's digests, a have's pieces.
inline constexpr std::size_t max_wire_entries = 8192;  // × ≤ 250 bytes of JSON each (a signed digest) ≈ 2 MiB

/// The message as one or more messages that each fit a frame: a `parents` with more digests than
/// max_wire_entries becomes `digests` messages (sent first) and the `parents` without them; a
/// `have` with more pieces becomes several. Anything else is returned as it is.
std::vector<message> split_for_wire(message m);

/// JSON text of a message (the frame payload).
std::string encode(const message& m);
/// Decodes a frame payload; unknown types, missing fields, wrong types, invalid task IDs and
/// fields over field_limits (or piece numbers and lists over max_piece_count) are errors.
result<message> decode(std::string_view json);
/// True when `json` is a JSON object whose "type" names no message this version knows (a newer
/// peer's message: skipped, not a broken connection). Called only after decode() failed.
bool is_unknown_type(std::string_view json);
/// The message's "type" string, for logs.
std::string_view type_name(const message& m);

}  // namespace df::net::proto
