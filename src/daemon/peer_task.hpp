#pragma once
// One task on this host: the peer engine that gets every piece (from parents, or from the origin
// when this peer is the source), verifies and stores it, and tells readers and the scheduler.

#include "core/strong_int.hpp"
#include "daemon/fair_share.hpp"
#include "daemon/piece_picker.hpp"
#include "net/async_event.hpp"
#include "net/scheduler_protocol.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/task_metadata.hpp"

namespace df::storage {
class task_file;
}  // namespace df::storage
namespace df::net {
class token_bucket;
class statement_signer;
class statement_verifier;
}  // namespace df::net

namespace df::daemon {

struct daemon_context;
struct origin_resume;

/// What a download request says about its task (from dfget or a seed trigger).
struct task_request {
  std::string url;
  std::map<std::string, std::string> headers;  // passed to the origin on back-to-source
  std::string tag, application;
  std::vector<std::string> filters;
  bool disable_back_to_source = false;
  std::uint64_t rate_limit = 0;  // bytes/s for this task, on top of the host limit; 0 = none
  std::string digest;            // "sha256:<hex>" the whole content must match; "" = none
};

/// Why a task failed, in the words the requester will see.
struct task_error {
  std::string error_type;  // "origin", "daemon", "scheduler", "p2p" or "digest" (content failed its digest)
  std::string message;
  int origin_status = 0;
};

/// Bytes this peer received for the task, by where they came from.
struct source_bytes {
  std::uint64_t from_peers = 0, from_seed = 0, from_origin = 0;
};

/// The peer engine for one task. Tracks (1) the task's metadata and data file, (2) its parents and
/// what each holds, (3) the pieces in flight, (4) where bytes came from, (5) its phase and, when
/// failed, why. Owned by the task_manager (shared with readers); runs on the daemon's I/O thread.
class peer_task : public std::enable_shared_from_this<peer_task> {
 public:
  enum class phase { running, done, failed };
  /// Called once when the task ends (done or failed).
  using finished_handler = std::function<void(const std::string& task_id, bool ok)>;

  peer_task(daemon_context& ctx, std::string task_id, task_request request, storage::task_metadata meta,
            std::shared_ptr<storage::task_file> file, bool seed_role, finished_handler on_finished);
  ~peer_task();

  /// Starts downloading (or finishes at once when the task is already stored complete).
  void start();
  /// A scheduler message addressed to this peer.
  void handle(const net::proto::message& m);
  /// The task's scheduler changed: connected, lost, or another one on the ring took it over.
  void on_scheduler_state(bool connected);

  const std::string& task_id() const { return task_id_; }
  const std::string& peer_id() const { return peer_id_; }
  phase state() const { return phase_; }
  const task_error& error() const { return error_; }
  const storage::task_metadata& meta() const { return meta_; }
  std::shared_ptr<storage::task_file> file() const { return file_; }
  /// Complete, and its data file was written to after it completed (e.g. through a hard-linked
  /// output edited in place): its bytes can no longer be trusted or served.
  bool data_modified() const;
  /// Notified whenever a piece is stored, the layout is learnt, or the phase changes.
  net::async_event& changed() { return changed_; }
  const source_bytes& sources() const { return sources_; }
  /// Messages for the requester (e.g. "scheduler unreachable; fetching from the origin").
  const std::vector<std::string>& notices() const { return notices_; }
  bool back_to_source() const { return back_to_source_; }
  /// Records a use (a request, an upload) for the cache's least-recently-used order and TTL.
  void touch();
  /// A request with credentials asked for this task: later local requesters must pass the
  /// origin's access check (task_metadata::credentialed; saved).
  void note_credentialed();
  /// Incremented whenever stored pieces are dropped because the content changed; a reader that
  /// already delivered bytes must fail rather than mix old and new content.
  std::uint32_t generation() const { return generation_; }

 private:
  net::awaitable<void> run();
  net::awaitable<void> run_p2p();
  net::awaitable<void> run_back_to_source();
  /// Where to resume reading the origin (first missing piece + validator), if that is possible.
  std::optional<origin_resume> resume_point() const;
  /// Folds one delivered piece into the parent's throughput estimate.
  void record_throughput(const std::string& parent_id, std::uint64_t bytes, std::chrono::steady_clock::duration took,
                         std::uint32_t sharing);
  /// Fetches one piece from a parent; the caller has booked it in in_flight_ and the parent's count.
  net::awaitable<void> fetch_piece(std::uint32_t piece, net::proto::parent_info info);
  /// The next request to start (piece_picker over this task's state), or nothing when none should
  /// start now.
  std::optional<piece_request> pick();
  /// This task's state as the picker reads it.
  pick_input picker_input() const;
  void set_layout(std::int64_t content_length, std::uint64_t piece_size);
  /// A digest this host computed or verified itself (from the origin, from its metadata).
  void learn_digest(std::uint32_t piece, const std::string& digest);
  /// A digest the scheduler relayed; in mtls mode it must carry a valid signature of the task's
  /// signer, or the task fails (peer_task_digests.cpp).
  void learn_relayed_digest(std::uint32_t piece, const std::string& wire);
  /// The certificate task_info names as the task's signer (mtls: checked against the CA).
  void learn_signer(const std::string& certificate_pem);
  /// Piece `piece`'s digest as this host reports it: signed when it has a certificate and the
  /// layout is known, "" when it has no digest for it yet.
  std::string outgoing_digest(std::uint32_t piece) const;
  /// The certificate to name as signer in task_meta ("" when this host does not sign).
  std::string signer_certificate() const;
  void discard_pieces(const std::string& why);
  /// discard_pieces, but the verified pieces in `keep` (with their digests) stay.
  void discard_pieces_except(const bitfield& keep, const std::string& why);
  void piece_stored(std::uint32_t piece);
  /// Whether a seed must check this cached task with the origin before vouching for it (policy).
  bool needs_revalidation() const;
  /// Conditional HEAD to the origin; unchanged → announce, changed or failed → drop the copy.
  net::awaitable<void> revalidate_then_announce();
  /// Tells the scheduler everything this peer holds (after a reconnect, or to a seed trigger for
  /// a task it already has).
  void announce();
  /// Records the task complete, after checking the whole content against its digest when it has
  /// one; it is reported done (phase, peer_done, readers) only by completion_saved().
  void complete();
  /// Called when metadata saying "complete" is on disk: only now is the task done, so a completion
  /// anyone hears of survives a crash. `epoch`: completion_epoch_ when that save's snapshot was
  /// taken; a save begun before a reopen() or discard_pieces() does not complete the task.
  void completion_saved(std::uint64_t epoch);
  net::awaitable<void> check_content();
  void fail(task_error e);
  /// Drops a parent after an error and reports it; `bad_pieces`: pieces it sent that failed their digest.
  void parent_failed(const std::string& parent_id, const std::string& reason,
                     std::vector<std::uint32_t> bad_pieces);
  // Re-verification the scheduler asks of a quarantined holder (peer_task_reverify.cpp).
  /// Starts re-hashing the pieces `r` names (one re-verification at a time; another is ignored).
  void reverify(const net::proto::reverify& r);
  /// Re-hashes from disk the asked pieces it holds and, when one fails (or none was named),
  /// every other piece it holds; drops the failures and answers with `reverified`.
  net::awaitable<void> run_reverify(std::vector<std::uint32_t> asked);
  /// The pieces of `pieces` held now whose bytes on disk fail their digest (hashed on the pool);
  /// `checked` gets the ones that were held (and so re-hashed).
  net::awaitable<std::vector<std::uint32_t>> failing_pieces(const std::vector<std::uint32_t>& pieces,
                                                            std::vector<std::uint32_t>& checked);
  /// A task done (or saving its completion) lost pieces: it is running again and fetches them.
  void reopen();
  /// Schedules a save of the metadata (and of the data it vouches for) on the worker pool.
  void save_metadata();
  net::awaitable<void> save_loop();
  bool all_verified() const;
  /// The piece count once the layout is known.
  std::optional<std::uint32_t> piece_count() const;

  daemon_context& ctx_;
  std::string task_id_;
  std::string peer_id_;
  task_request request_;
  storage::task_metadata meta_;
  std::shared_ptr<storage::task_file> file_;
  std::unique_ptr<net::token_bucket> task_limit_;  // request_.rate_limit, when set
  bool seed_role_;
  finished_handler on_finished_;

  phase phase_ = phase::running;
  task_error error_;
  net::async_event changed_;
  parent_map parents_;
  in_flight_map in_flight_;  // piece → parents asked for it
  source_bytes sources_;
  std::vector<std::string> notices_;
  piece_picker picker_;  // its starting point and random source spread peers' choices
  std::uint32_t unsaved_pieces_ = 0;
  std::chrono::steady_clock::time_point last_save_{};
  bool saving_ = false;
  bool revalidating_ = false;
  bool checking_content_ = false;
  bool content_checked_ = false;
  std::optional<std::chrono::steady_clock::time_point> validated_at_;  // last confirmation by the origin
  std::chrono::steady_clock::time_point started_at_{};  // run() began: the task latency histograms
  bool first_byte_observed_ = false;
  std::uint32_t generation_ = 0;
  std::uint64_t completion_epoch_ = 0;  // bumped when pieces are dropped: older saves and checks are stale
  std::shared_ptr<std::atomic<bool>> discarded_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<const net::statement_verifier> signer_;  // mtls: who signs the relayed digests
  // mtls: this host's signer when the task started (a renewed certificate is for later tasks: the
  // swarm learned this one from the task's metadata).
  std::shared_ptr<const net::statement_signer> own_signer_;
  bool save_again_ = false;
  bool registered_ = false;
  bool back_to_source_ = false;   // fetching (or fetched) from the origin
  bool source_ordered_ = false;   // the scheduler said back_to_source
  bool origin_running_ = false;
  bool fetching_ = false;     // run_p2p() is running
  bool reverifying_ = false;  // run_reverify() is running
};

}  // namespace df::daemon
