// A peer task's back-to-source: reading the origin itself, resuming a broken-off body, and
// checking pieces held from the swarm against the origin's bytes.
#include "daemon/peer_task.hpp"

#include "core/digest.hpp"
#include "core/url.hpp"
#include "daemon/access_cache.hpp"
#include "daemon/context.hpp"
#include "daemon/origin_source.hpp"
#include "daemon/scheduler_router.hpp"
#include "storage/task_file.hpp"

#include <spdlog/spdlog.h>

namespace df::daemon {

namespace proto = net::proto;
using net::awaitable;

namespace {
constexpr int max_origin_resumes = 3;  // times a broken-off origin body is resumed before failing
}  // namespace

std::optional<origin_resume> peer_task::resume_point() const {
  // Partly stored already (after a restart, a broken-off body, or pieces from parents): ask the
  // origin only for the rest, provided its content has not changed since (If-Range).
  const std::string validator = !meta_.etag.empty() && !meta_.etag.starts_with("W/") ? meta_.etag : meta_.last_modified;
  if (!meta_.content_length || meta_.verified.none() || meta_.verified.all() || validator.empty()) return std::nullopt;
  std::uint32_t first = 0;
  while (meta_.verified.has(piece_index(first))) ++first;
  return origin_resume{first, meta_.piece_size, validator};
}

awaitable<void> peer_task::run_back_to_source() {
  auto self = shared_from_this();
  // Piece fetches from parents still under way end first (each within download.piece_timeout):
  // one landing after the origin wrote its piece would write the parent's bytes, which may be the
  // old content's (checked against the old digest), over the origin's.
  while (!in_flight_.empty() && phase_ == phase::running) co_await changed_.wait_for(std::chrono::seconds(1));
  if (phase_ != phase::running) co_return;
  back_to_source_ = true;
  ctx_.stats.back_to_source.add();
  spdlog::info("task {}: back-to-source from {}", task_id_, redact_url(request_.url));
  origin_callbacks callbacks;
  callbacks.task_limit = task_limit_.get();
  // Pieces held before this read came from the swarm (say, the only seed died mid-task) when no
  // validator of the origin's was ever seen: a whole answer of the same layout then does not mean
  // the content changed; each such piece is checked against the origin's bytes as they pass.
  const bool held_from_swarm = !meta_.verified.none() && meta_.etag.empty() && meta_.last_modified.empty();
  // The pieces this origin answer wrote or confirmed: when a piece held from the swarm turns out
  // to differ, only the swarm's pieces are dropped, not these (or the answer leaves holes).
  bitfield from_this_answer;
  callbacks.on_layout = [this, held_from_swarm, &from_this_answer](const origin_head& head) -> result<void> {
    const bool same_layout = meta_.content_length && head.content_length == meta_.content_length &&
                             head.piece_size == meta_.piece_size;
    if (!head.partial && !meta_.verified.none() && !(held_from_swarm && same_layout))
      discard_pieces("the origin sent the whole content again");
    if (!head.partial) from_this_answer = bitfield();  // a resume's 206 continues the same content
    set_layout(head.content_length ? static_cast<std::int64_t>(*head.content_length) : -1, head.piece_size);
    meta_.etag = head.etag;
    meta_.last_modified = head.last_modified;
    meta_.public_content = !carries_credentials(request_.headers, request_.url, request_.filters);  // origin said 2xx
    if (registered_)
      ctx_.scheduler.send(proto::task_meta{task_id_, peer_id_,
                                           head.content_length ? static_cast<std::int64_t>(*head.content_length) : -1,
                                           head.piece_size, signer_certificate()});
    return {};
  };
  callbacks.on_piece = [this, &from_this_answer](piece_index i, byte_buffer data) -> awaitable<result<void>> {
    const std::uint64_t bytes = data.size();
    if (meta_.verified.has(i)) {  // held from the swarm: the origin's bytes must be the same
      // Borrowed, not moved: the bytes are written below when they differ (the frame keeps them).
      auto hash = [d = std::span<const std::byte>(data.data(), data.size())] { return sha256_hex(d); };
      const std::string origin_digest = co_await run_blocking(ctx_.pool, std::move(hash));
      if (phase_ != phase::running) co_return make_error_code(errc::cancelled);
      if (origin_digest == meta_.piece_digests[i.value()]) {
        from_this_answer.set(i);
        co_return result<void>{};
      }
      discard_pieces_except(from_this_answer, "the origin's content differs from what the swarm served");
    }
    auto file = file_;
    const std::uint64_t offset = std::uint64_t{i.value()} * meta_.piece_size;
    auto job = [file, offset, d = std::move(data)] { return file->write_new(offset, d); };
    auto digest = co_await run_blocking(ctx_.pool, std::move(job));
    if (!digest) co_return digest.error();
    if (phase_ != phase::running) co_return make_error_code(errc::cancelled);
    learn_digest(i.value(), *digest);
    sources_.from_origin += bytes;
    from_this_answer.set(i);
    piece_stored(i.value());
    co_return result<void>{};
  };
  origin_outcome outcome;
  for (int attempt = 0;; ++attempt) {
    outcome = co_await read_from_origin(ctx_, request_.url, request_.headers, callbacks, resume_point());
    if (phase_ != phase::running) co_return;
    // The origin broke off mid-body (closed, reset, short): go on from the first missing piece
    // when the content can be pinned (If-Range), or start over when nothing was stored yet.
    const bool broken_off = outcome.error && outcome.origin_status == 0 && outcome.bytes > 0 &&
                            outcome.error != errc::disk_full && outcome.error != errc::storage_io;
    if (!broken_off || attempt >= max_origin_resumes || (!resume_point() && !meta_.verified.none())) break;
    spdlog::warn("task {}: {}; resuming ({} of {})", task_id_, outcome.message, attempt + 1,
                 max_origin_resumes);
  }
  if (outcome.error) {
    const bool local = outcome.error == errc::disk_full || outcome.error == errc::storage_io;
    fail({local ? "daemon" : "origin", outcome.message, outcome.origin_status});
    co_return;
  }
  if (!meta_.content_length) {  // length learnt only at the end of the body
    set_layout(static_cast<std::int64_t>(outcome.bytes), meta_.piece_size);
    if (registered_) {
      ctx_.scheduler.send(proto::task_meta{task_id_, peer_id_, static_cast<std::int64_t>(outcome.bytes), meta_.piece_size,
                                           signer_certificate()});
      for (std::uint32_t i = 0; i < meta_.verified.size(); ++i)
        ctx_.scheduler.send(proto::piece_done{task_id_, peer_id_, i, outgoing_digest(i)});
    }
  }
  if (all_verified()) complete();
  else fail({"daemon", "the origin's body did not fill every piece"});
}

}  // namespace df::daemon
