#include "daemon/peer_task.hpp"

#include "core/digest.hpp"
#include "core/piece_layout.hpp"
#include "core/url.hpp"

#include "core/ids.hpp"
#include "daemon/access_cache.hpp"
#include "daemon/context.hpp"
#include "daemon/origin_source.hpp"
#include "daemon/piece_client.hpp"
#include "daemon/scheduler_router.hpp"
#include "net/token_bucket.hpp"
#include "storage/task_file.hpp"
#include "storage/task_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

namespace df::daemon {

namespace proto = net::proto;
using net::awaitable;

namespace {
// Verified pieces are recorded on disk every 16 pieces or every second, whichever comes first, so a
// crash loses little work.
constexpr std::uint32_t save_every_pieces = 16;
constexpr auto save_at_least_every = std::chrono::seconds(1);
constexpr std::uint32_t save_shares = 32;  // a big task saves after every 1/32 of its pieces
}  // namespace

peer_task::peer_task(daemon_context& ctx, std::string task_id, task_request request, storage::task_metadata meta,
                     std::shared_ptr<storage::task_file> file, bool seed_role, finished_handler on_finished)
    : ctx_(ctx),
      task_id_(std::move(task_id)),
      peer_id_(new_peer_id(ctx.cfg.host.hostname)),
      request_(std::move(request)),
      meta_(std::move(meta)),
      file_(std::move(file)),
      seed_role_(seed_role),
      on_finished_(std::move(on_finished)),
      changed_(ctx.ex),
      picker_(std::random_device{}(), std::random_device{}()),
      own_signer_(ctx.signer) {
  if (request_.rate_limit)
    task_limit_ = std::make_unique<net::token_bucket>(ctx.ex, request_.rate_limit,
                                                      std::max<std::uint64_t>(request_.rate_limit / 4, 64 * 1024));
}

peer_task::~peer_task() = default;

void peer_task::start() {
  net::asio::co_spawn(ctx_.ex, [self = shared_from_this()] { return self->run(); }, net::asio::detached);
}

awaitable<void> peer_task::run() {
  auto self = shared_from_this();
  started_at_ = std::chrono::steady_clock::now();
  if (meta_.complete) {
    phase_ = phase::done;
    changed_.notify_all();
    co_return;
  }
  const bool may_go_to_origin = seed_role_ || !(request_.disable_back_to_source || ctx_.cfg.download.disable_back_to_source);
  const bool connected = co_await ctx_.scheduler.wait_connected(task_id_, ctx_.cfg.scheduler.connect_timeout);
  if (!connected) {
    const std::string where = fmt::format("{}", fmt::join(ctx_.cfg.scheduler.addresses, ", "));
    if (!may_go_to_origin) {
      fail({"scheduler", "scheduler unreachable (" + where + ") and back-to-source is disabled"});
      co_return;
    }
    notices_.push_back("scheduler unreachable (" + where + "); downloading from the origin directly");
    spdlog::warn("task {}: {}", task_id_, notices_.back());
    co_await run_back_to_source();
    co_return;
  }
  registered_ = ctx_.scheduler.send(proto::register_peer{task_id_, peer_id_, request_.url, request_.headers,
                                                         request_.tag, request_.application, request_.filters,
                                                         false, false, meta_.digest});
  // Resumed after a restart: the pieces verified before are offered at once (and not fetched).
  for (std::uint32_t i = 0; registered_ && i < meta_.verified.size(); ++i)
    if (meta_.verified.has(piece_index(i))) ctx_.scheduler.send(proto::piece_done{task_id_, peer_id_, i, ""});
  co_await run_p2p();
}

awaitable<void> peer_task::run_p2p() {
  auto self = shared_from_this();
  fetching_ = true;
  struct fetching_guard {
    bool& flag;
    ~fetching_guard() { flag = false; }
  } guard{fetching_};
  std::optional<std::chrono::steady_clock::time_point> disconnected_since;
  while (phase_ == phase::running) {
    if (all_verified()) {  // e.g. a 0-byte task: nothing to fetch once the layout is known
      complete();
      co_return;
    }
    if (source_ordered_) {
      co_await run_back_to_source();
      co_return;
    }
    const std::size_t limit = fair_share_limit(ctx_.cfg.download.concurrent_pieces, progress_beside_parents(picker_input()));
    while (in_flight_.size() < limit) {
      const auto next = pick();
      if (!next) break;
      // Booked here, before the fetch starts, so the next pick() sees it whenever that runs.
      auto& parent = parents_.at(next->parent_id);
      ++parent.in_flight;
      in_flight_[next->piece].insert(next->parent_id);
      net::asio::co_spawn(ctx_.ex, fetch_piece(next->piece, parent.info), net::asio::detached);
    }
    co_await changed_.wait_for(std::chrono::seconds(1));
    if (unsaved_pieces_ > 0 && std::chrono::steady_clock::now() - last_save_ >= save_at_least_every) save_metadata();

    // Without a scheduler nothing new will come: once idle, fetch from the origin (when allowed).
    if (ctx_.scheduler.connected(task_id_) || phase_ != phase::running) {
      disconnected_since.reset();
      continue;
    }
    if (!disconnected_since) disconnected_since = std::chrono::steady_clock::now();
    if (!in_flight_.empty() || pick() ||
        std::chrono::steady_clock::now() - *disconnected_since < ctx_.cfg.scheduler.connect_timeout)
      continue;
    if (request_.disable_back_to_source || ctx_.cfg.download.disable_back_to_source) {
      fail({"scheduler", "lost the scheduler mid-download and back-to-source is disabled"});
      co_return;
    }
    notices_.push_back("lost the scheduler mid-download; fetching the rest from the origin");
    co_await run_back_to_source();
    co_return;
  }
}

awaitable<void> peer_task::fetch_piece(std::uint32_t piece, proto::parent_info info) {
  auto self = shared_from_this();
  const std::string& parent_id = info.peer_id;
  const auto layout = meta_.layout();
  const std::uint64_t length = layout.length(piece_index(piece));
  const std::uint64_t offset = layout.offset(piece_index(piece));
  const std::string expected = meta_.piece_digests[piece];

  std::string failure;
  std::vector<std::uint32_t> bad;  // the piece, when its bytes failed their digest
  const auto asked_at = std::chrono::steady_clock::now();
  const auto asked_parent = parents_.find(parent_id);
  const std::uint32_t sharing = asked_parent != parents_.end() ? asked_parent->second.in_flight : 1;
  auto data = co_await ctx_.pieces.fetch(info.ip, info.upload_port, task_id_, piece_index(piece), length,
                                         ctx_.cfg.download.piece_timeout, task_limit_.get());
  if (!data) {
    failure = fmt::format("piece {}: {}", piece, data.error().message());
  } else if (meta_.verified.has(piece_index(piece))) {
    // The losing copy of an endgame duplicate: already stored, nothing to write.
  } else {
    auto file = file_;
    auto job = [file, offset, d = std::move(*data), expected] { return file->write_verified(offset, d, expected); };
    auto stored = co_await run_blocking(ctx_.pool, std::move(job));
    // Both copies of a duplicate were being written at once and the task completed meanwhile (or
    // its completion is being saved): the file's time moved by our own write of the same verified
    // bytes, not by anyone else's.
    if (stored && meta_.complete && meta_.data_mtime_ns != 0)
      if (const auto mtime = file_->mtime_ns()) meta_.data_mtime_ns = *mtime, save_metadata();
    if (piece >= meta_.piece_digests.size() || meta_.piece_digests[piece] != expected) {
      // The source's digest changed while the piece was on its way (the content changed at the
      // origin): the bytes were checked against the old one; the piece is fetched again.
    } else if (!stored && stored.error() == errc::piece_digest_mismatch) {
      ctx_.stats.piece_digest_failures.add();
      failure = fmt::format("piece {} failed verification", piece);
      bad.push_back(piece);
    } else if (!stored) {
      fail({"daemon", fmt::format("cannot store piece {} in {}: {}", piece, ctx_.cfg.data_dir, stored.error().message())});
    } else if (phase_ == phase::running && !meta_.verified.has(piece_index(piece))) {
      record_throughput(parent_id, length, std::chrono::steady_clock::now() - asked_at, sharing);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked_at);
      spdlog::trace("task {}: piece {} from {} in {} ms ({} of ours there, {} in flight)", task_id_, piece,
                    parent_id, took.count(), sharing, in_flight_.size());
      (info.seed ? sources_.from_seed : sources_.from_peers) += length;
      (info.seed ? ctx_.stats.download_from_seed : ctx_.stats.download_from_peer).add(length);
      (info.seed ? ctx_.stats.piece_time_seed : ctx_.stats.piece_time_peer).observe(std::chrono::steady_clock::now() - asked_at);
      piece_stored(piece);
    }
  }
  if (auto it = in_flight_.find(piece); it != in_flight_.end() && it->second.erase(parent_id) && it->second.empty())
    in_flight_.erase(it);
  if (auto it = parents_.find(parent_id); it != parents_.end() && it->second.in_flight > 0) --it->second.in_flight;
  if (!failure.empty() && phase_ == phase::running) parent_failed(parent_id, failure, std::move(bad));
  changed_.notify_all();
}

void peer_task::handle(const proto::message& m) {
  if (const auto* r = std::get_if<proto::reverify>(&m)) return reverify(*r);  // done tasks too
  if (phase_ != phase::running && !std::holds_alternative<proto::back_to_source>(m)) return;
  if (const auto* info = std::get_if<proto::task_info>(&m)) {
    if (!back_to_source_) learn_signer(info->signer);
    if (phase_ != phase::running) return;  // its signer was refused
    if (back_to_source_ || info->piece_size == 0) {
      // the source knows its layout; 0 = not known yet
    } else if (!layout_acceptable(info->content_length, info->piece_size)) {  // would cost memory, or never end
      fail({"scheduler", fmt::format("the scheduler announced an impossible layout ({} bytes in pieces of {} bytes)",
                                     info->content_length, info->piece_size)});
    } else {
      set_layout(info->content_length, info->piece_size);
    }
  } else if (const auto* p = std::get_if<proto::parents>(&m)) {
    for (std::uint32_t i = 0; i < p->digests.size() && phase_ == phase::running; ++i)
      learn_relayed_digest(i, p->digests[i]);
    parent_map next;
    for (const auto& info : p->parents) {
      auto& s = next[info.peer_id];
      s.info = info;
      for (const auto piece : info.pieces) note_held(s.pieces, piece, piece_count());
      bitfield held;  // large holdings come as a hex bitfield
      if (!info.held.empty() && bitfield::from_hex(info.held, static_cast<std::uint32_t>(info.held.size() * 4), held))
        for (std::uint32_t i = 0; i < held.size(); ++i)
          if (held.has(piece_index(i))) note_held(s.pieces, i, piece_count());
      s.info.pieces.clear();  // kept in s.pieces
      s.info.held.clear();
      if (auto old = parents_.find(info.peer_id); old != parents_.end()) {
        s.in_flight = old->second.in_flight;
        s.throughput = old->second.throughput;
      }
    }
    parents_ = std::move(next);
  } else if (const auto* d = std::get_if<proto::digests>(&m)) {
    for (std::size_t i = 0; i < d->digests.size() && phase_ == phase::running; ++i)
      learn_relayed_digest(static_cast<std::uint32_t>(d->first + i), d->digests[i]);
  } else if (const auto* h = std::get_if<proto::have>(&m)) {
    for (const auto& e : h->pieces)
      if (phase_ == phase::running) learn_relayed_digest(e.piece, e.digest);
    if (auto it = parents_.find(h->parent_peer_id); it != parents_.end())
      for (const auto& e : h->pieces) note_held(it->second.pieces, e.piece, piece_count());
  } else if (const auto* b = std::get_if<proto::back_to_source>(&m)) {
    if (meta_.complete) {
      announce();
    } else if (phase_ == phase::running && !seed_role_ &&
               (request_.disable_back_to_source || ctx_.cfg.download.disable_back_to_source)) {
      fail({"p2p", "no seed peer can serve this task (" + b->reason + ") and back-to-source is disabled"});
    } else if (phase_ == phase::running && !back_to_source_) {
      source_ordered_ = true;
      if (!seed_role_) notices_.push_back("scheduler: " + b->reason + "; this peer downloads from the origin");
    }
  } else if (const auto* f = std::get_if<proto::task_failed>(&m)) {
    fail({f->error_type == "digest" ? "digest" : f->origin_status ? "origin" : "p2p", f->message, f->origin_status});
  }
  changed_.notify_all();
}

void peer_task::on_scheduler_state(bool connected) {
  // A (new) scheduler knows nothing of us: tell it what we hold. A task still waiting in run()
  // registers there by itself. A seed checks a cached task with the origin before vouching for it.
  if (connected && phase_ == phase::done && ctx_.cfg.seed_peer && needs_revalidation()) {
    if (!revalidating_) {
      revalidating_ = true;
      net::asio::co_spawn(ctx_.ex, [self = shared_from_this()] { return self->revalidate_then_announce(); },
                          net::asio::detached);
    }
  } else if (connected && phase_ != phase::failed && (registered_ || back_to_source_ || phase_ == phase::done)) {
    announce();
  }
  changed_.notify_all();
}

bool peer_task::needs_revalidation() const {
  const auto& policy = ctx_.cfg.seed.revalidate;
  if (policy == "never" || !meta_.digest.empty()) return false;  // content-addressed: cannot go stale
  if (policy == "max_age" && validated_at_ && std::chrono::steady_clock::now() - *validated_at_ < ctx_.cfg.seed.max_age)
    return false;
  return true;
}

awaitable<void> peer_task::revalidate_then_announce() {
  auto self = shared_from_this();
  const auto check = co_await check_origin(ctx_, request_.url, request_.headers, meta_.etag, meta_.last_modified);
  revalidating_ = false;
  if (phase_ != phase::done) co_return;
  // 304, or a 200 whose validators match what we stored: unchanged. Anything else: the cached copy
  // cannot be vouched for; it is dropped and the next trigger fetches the task afresh.
  const bool same = check.status == 200 && ((!meta_.etag.empty() && check.etag == meta_.etag) ||
                                            (meta_.etag.empty() && !meta_.last_modified.empty() &&
                                             check.last_modified == meta_.last_modified));
  if (check.status == 304 || same) {
    validated_at_ = std::chrono::steady_clock::now();
    ctx_.stats.revalidated_valid.add();
    announce();
    co_return;
  }
  ctx_.stats.revalidated_stale.add();
  spdlog::warn("task {}: cached copy of {} dropped: {}", task_id_, redact_url(request_.url),
               check.status == 200 ? "it changed at the origin" : check.message);
  phase_ = phase::failed;
  discarded_->store(true);
  error_ = {"origin", "the cached copy changed at the origin", check.status == 200 ? 0 : check.status};
  changed_.notify_all();
  if (on_finished_) on_finished_(task_id_, false);
}

void peer_task::set_layout(std::int64_t content_length, std::uint64_t piece_size) {
  const std::optional<std::uint64_t> length =
      content_length >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(content_length)) : std::nullopt;
  if (meta_.content_length == length && meta_.piece_size == piece_size) return;
  if (meta_.content_length || meta_.piece_size != piece_size) {  // a different layout: start over
    if (!meta_.verified.none()) ++generation_;
    meta_.verified = bitfield();
    meta_.piece_digests.clear();
  }
  meta_.content_length = length;
  meta_.piece_size = piece_size;
  if (length) {
    const std::uint32_t count = meta_.layout().piece_count();
    meta_.verified.resize(count);
    meta_.piece_digests.resize(count);
    if (auto r = file_->truncate(*length); !r)
      fail({"daemon", fmt::format("cannot size the data file in {}: {}", ctx_.cfg.data_dir, r.error().message())});
  }
  save_metadata();
}

void peer_task::piece_stored(std::uint32_t piece) {
  meta_.verified.set(piece_index(piece));
  ctx_.stats.pieces_verified.add();
  if (!first_byte_observed_) {
    first_byte_observed_ = true;
    (back_to_source_ ? ctx_.stats.first_byte_origin : ctx_.stats.first_byte_p2p)
        .observe(std::chrono::steady_clock::now() - started_at_);
  }
  if (registered_)
    ctx_.scheduler.send(proto::piece_done{task_id_, peer_id_, piece, back_to_source_ ? outgoing_digest(piece) : ""});
  const auto now = std::chrono::steady_clock::now();
  // The metadata grows with the piece count (a digest per piece): a big task saves it after a
  // share of its pieces rather than every few, or a 100,000-piece task writes gigabytes of it.
  const std::uint32_t every = std::max(save_every_pieces, piece_count().value_or(0) / save_shares);
  if (++unsaved_pieces_ >= every || now - last_save_ >= save_at_least_every) save_metadata();
  changed_.notify_all();
  if (all_verified()) complete();
}

bool peer_task::all_verified() const {
  return meta_.content_length && meta_.verified.size() == meta_.layout().piece_count() && meta_.verified.all();
}

void peer_task::announce() {
  // The scheduler recomputes the task ID from what is announced and hangs up on a mismatch; a
  // task stored before its tag, application and filters were kept cannot show it and stays local.
  const bool id_matches =
      task_id_ == compute_task_id({request_.url, request_.tag, request_.application, request_.filters}) ||
      (!meta_.digest.empty() && task_id_ == content_task_id(meta_.digest));
  if (!id_matches) {
    spdlog::warn("task {}: stored without what its ID is computed from; served from this host only",
                 task_id_);
    return;
  }
  const bool complete = phase_ == phase::done;
  const bool source = back_to_source_ && !complete;
  registered_ = ctx_.scheduler.send(proto::register_peer{task_id_, peer_id_, request_.url, request_.headers,
                                                         request_.tag, request_.application, request_.filters,
                                                         source, complete, meta_.digest});
  if (!registered_) return;
  // A source or a complete peer vouches for the layout and the digests (it computed or verified
  // every one); a peer still downloading only says which pieces it holds.
  const bool vouch = source || complete;
  if (vouch && meta_.piece_size)
    ctx_.scheduler.send(proto::task_meta{task_id_, peer_id_,
                                         meta_.content_length ? static_cast<std::int64_t>(*meta_.content_length) : -1,
                                         meta_.piece_size, signer_certificate()});
  for (std::uint32_t i = 0; i < meta_.verified.size(); ++i)
    if (meta_.verified.has(piece_index(i)))
      ctx_.scheduler.send(proto::piece_done{task_id_, peer_id_, i, vouch ? outgoing_digest(i) : ""});
  if (complete) ctx_.scheduler.send(proto::peer_done{task_id_, peer_id_});
}

void peer_task::complete() {
  if (phase_ != phase::running || meta_.complete) return;  // meta_.complete: its save is under way
  if (!meta_.digest.empty() && !content_checked_) {
    // Content-addressed: every piece matched its piece digest, now the whole must match the
    // address before anyone is told it is complete.
    if (!checking_content_) {
      checking_content_ = true;
      net::asio::co_spawn(ctx_.ex, [self = shared_from_this()] { return self->check_content(); },
                          net::asio::detached);
    }
    return;
  }
  meta_.complete = true;
  if (const auto mtime = file_->mtime_ns()) meta_.data_mtime_ns = *mtime;  // see data_modified()
  save_metadata();  // completion_saved() reports it once this save is on disk
}

void peer_task::completion_saved(std::uint64_t epoch) {
  // A reopen since the snapshot was taken: its "complete" was about bytes since dropped, even if
  // the task is complete again now (the save of that completion reports it).
  if (phase_ != phase::running || !meta_.complete || epoch != completion_epoch_) return;
  phase_ = phase::done;
  if (back_to_source_) validated_at_ = std::chrono::steady_clock::now();  // just read from the origin
  ctx_.stats.tasks_completed.add();
  (back_to_source_ ? ctx_.stats.task_time_origin : ctx_.stats.task_time_p2p)
      .observe(std::chrono::steady_clock::now() - started_at_);
  // Seeds are peers too: what came from them counts as from peers (the analytics' P2P share).
  if (registered_)
    ctx_.scheduler.send(proto::peer_done{task_id_, peer_id_, sources_.from_peers + sources_.from_seed, sources_.from_origin});
  spdlog::info("task {} complete: {} bytes (peers {}, seed {}, origin {})", task_id_,
               meta_.content_length.value_or(0), sources_.from_peers, sources_.from_seed, sources_.from_origin);
  changed_.notify_all();
  if (on_finished_) on_finished_(task_id_, true);
}

bool peer_task::data_modified() const {
  if (phase_ != phase::done || meta_.data_mtime_ns == 0) return false;
  const auto mtime = file_->mtime_ns();
  return !mtime || *mtime != meta_.data_mtime_ns;
}

awaitable<void> peer_task::check_content() {
  auto file = file_;
  const std::uint64_t length = meta_.content_length.value_or(0);
  const std::uint64_t epoch = completion_epoch_;
  auto job = [file, length] { return file->sha256(length); };
  const auto got = co_await run_blocking(ctx_.pool, std::move(job));
  checking_content_ = false;
  // Pieces dropped meanwhile (even if refetched since): this hash may be of old bytes.
  if (phase_ != phase::running || epoch != completion_epoch_) {
    if (phase_ == phase::running && all_verified()) complete();  // check the bytes held now
    co_return;
  }
  if (!all_verified()) co_return;
  if (got && "sha256:" + *got == meta_.digest) {
    content_checked_ = true;
    complete();
    co_return;
  }
  const std::string why = got ? fmt::format("content does not match its digest {} (got sha256:{})", meta_.digest, *got)
                              : "cannot read the content back to check its digest: " + got.error().message();
  ctx_.stats.digest_mismatches.add();
  discard_pieces(why);
  fail({"digest", why});
}

void peer_task::fail(task_error e) {
  if (phase_ != phase::running) return;
  phase_ = phase::failed;
  discarded_->store(true);  // before the task manager removes the files: no save may follow
  error_ = std::move(e);
  ctx_.stats.tasks_failed.add();
  if (registered_)
    ctx_.scheduler.send(proto::peer_failed{task_id_, peer_id_, error_.message, error_.origin_status,
                                           error_.error_type == "digest" ? "digest" : "",
                                           sources_.from_peers + sources_.from_seed, sources_.from_origin});
  spdlog::warn("task {} failed: {}", task_id_, error_.message);
  changed_.notify_all();
  if (on_finished_) on_finished_(task_id_, false);
}

void peer_task::parent_failed(const std::string& parent_id, const std::string& reason,
                              std::vector<std::uint32_t> bad_pieces) {
  ctx_.stats.parent_failures.add();
  spdlog::warn("task {}: dropping parent {}: {}", task_id_, parent_id, reason);
  parents_.erase(parent_id);
  if (registered_)
    ctx_.scheduler.send(proto::parent_failed{task_id_, peer_id_, parent_id, reason, std::move(bad_pieces)});
}

void peer_task::note_credentialed() {
  if (meta_.credentialed || phase_ == phase::failed) return;
  meta_.credentialed = true;
  save_metadata();
}

void peer_task::touch() {
  meta_.last_access_unix =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void peer_task::save_metadata() {
  unsaved_pieces_ = 0;
  last_save_ = std::chrono::steady_clock::now();
  touch();
  if (saving_) {  // one save at a time; the running one saves again when it is done
    save_again_ = true;
    return;
  }
  saving_ = true;
  net::asio::co_spawn(ctx_.ex, [self = shared_from_this()] { return self->save_loop(); }, net::asio::detached);
}

awaitable<void> peer_task::save_loop() {
  do {
    save_again_ = false;
    // The data reaches the disk before the metadata that vouches for it (fdatasync, then the
    // metadata's own write + fsync + rename), on the pool: never on the I/O thread.
    const bool saving_complete = meta_.complete;
    const std::uint64_t epoch = completion_epoch_;
    auto job = [&store = ctx_.store, file = file_, snapshot = meta_, discarded = discarded_]() -> result<void> {
      if (auto r = file->sync(); !r) return r;
      return store.save(snapshot, discarded.get());
    };
    const auto saved = co_await run_blocking(ctx_.pool, std::move(job));
    if (!saved) {
      const std::string message =
          fmt::format("cannot save task data in {}: {}", ctx_.cfg.data_dir, saved.error().message());
      if (phase_ == phase::running) fail({"daemon", message});
      else spdlog::warn("task {}: {}", task_id_, message);
    } else if (saving_complete) {
      completion_saved(epoch);
    }
  } while (save_again_);
  saving_ = false;
}

}  // namespace df::daemon
