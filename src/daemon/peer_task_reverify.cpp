// peer_task's re-verification: the scheduler quarantined this holder because children on several
// hosts found its pieces corrupt, and asks it to re-hash them from disk. Whatever fails its digest
// is dropped (no longer served, counted or handed to local readers) and fetched again.
#include "daemon/peer_task.hpp"

#include "daemon/context.hpp"
#include "daemon/scheduler_router.hpp"
#include "storage/task_file.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace df::daemon {

namespace proto = net::proto;
using net::awaitable;

void peer_task::reverify(const proto::reverify& r) {
  if (reverifying_ || phase_ == phase::failed) return;  // the scheduler keeps one in flight anyway
  reverifying_ = true;
  net::asio::co_spawn(ctx_.ex, [self = shared_from_this(), pieces = r.pieces] { return self->run_reverify(pieces); },
                      net::asio::detached);
}

awaitable<std::vector<std::uint32_t>> peer_task::failing_pieces(const std::vector<std::uint32_t>& pieces,
                                                                std::vector<std::uint32_t>& checked) {
  struct item {
    std::uint32_t piece;
    std::uint64_t offset, length;
    std::string digest;  // "" = unknown: the bytes cannot be vouched for, so they fail
  };
  std::vector<item> items;
  if (meta_.content_length) {
    const auto layout = meta_.layout();
    for (const auto p : pieces) {
      if (!meta_.verified.has(piece_index(p))) continue;  // not held: nothing to check
      items.push_back({p, layout.offset(piece_index(p)), layout.length(piece_index(p)),
                       p < meta_.piece_digests.size() ? meta_.piece_digests[p] : std::string{}});
      checked.push_back(p);
    }
  }
  auto job = [file = file_, items = std::move(items)] {
    std::vector<std::uint32_t> bad;
    for (const auto& i : items)
      if (!file->matches(i.offset, i.length, i.digest)) bad.push_back(i.piece);
    return bad;
  };
  auto bad = co_await run_blocking(ctx_.pool, std::move(job));
  co_return bad;
}

awaitable<void> peer_task::run_reverify(std::vector<std::uint32_t> asked) {
  auto self = shared_from_this();
  std::vector<std::uint32_t> checked;
  auto bad = co_await failing_pieces(asked, checked);
  // The whole task is re-hashed only when a reported piece really is bad on disk (a damaged copy
  // seldom stops at the pieces someone happened to fetch) or when the reports named none. A clean
  // result leaves the rest alone: then the corruption happened on the way, not here, and hashing
  // gigabytes for it would cost more than it could find.
  if (!bad.empty() || asked.empty()) {
    const std::set<std::uint32_t> done(checked.begin(), checked.end());
    std::vector<std::uint32_t> rest, rest_checked;
    for (std::uint32_t i = 0; i < meta_.verified.size(); ++i)
      if (meta_.verified.has(piece_index(i)) && !done.contains(i)) rest.push_back(i);
    const auto more = co_await failing_pieces(rest, rest_checked);
    bad.insert(bad.end(), more.begin(), more.end());
  }
  reverifying_ = false;
  if (phase_ == phase::failed) co_return;

  // A piece stored again meanwhile was verified as it was written; only what still stands goes.
  std::vector<std::uint32_t> dropped, verified;
  for (const auto p : bad)
    if (meta_.verified.reset(piece_index(p))) dropped.push_back(p);
  const std::set<std::uint32_t> failed(bad.begin(), bad.end());
  for (const auto p : checked)
    if (!failed.contains(p)) verified.push_back(p);
  (dropped.empty() ? ctx_.stats.reverify_clean : ctx_.stats.reverify_dropped).add();
  ctx_.stats.reverify_pieces_dropped.add(dropped.size());
  if (dropped.empty()) {
    spdlog::info("task {}: re-verified {} pieces from disk at the scheduler's request: all match",
                 task_id_, checked.size());
  } else {
    spdlog::warn("task {}: re-verified pieces from disk at the scheduler's request: {} fail their digest and "
                 "are dropped (fetched again)", task_id_, dropped.size());
    ++generation_;  // readers that may have sent those bytes already fail instead of finishing
  }
  if (dropped.size() > proto::max_wire_entries) {  // more than an answer carries: not worth keeping
    if (phase_ == phase::done) phase_ = phase::running;
    fail({"daemon", fmt::format("{} stored pieces failed their digest when re-hashed; the copy is discarded",
                                dropped.size())});
    co_return;
  }
  if (registered_) ctx_.scheduler.send(proto::reverified{task_id_, peer_id_, dropped, verified});
  if (!dropped.empty()) reopen();
  changed_.notify_all();
}

void peer_task::reopen() {
  if (phase_ == phase::failed) return;
  ++completion_epoch_;  // a save or content check under way is about the dropped bytes
  if (phase_ == phase::done || meta_.complete) {
    phase_ = phase::running;
    meta_.complete = false;
    meta_.data_mtime_ns = 0;
    content_checked_ = false;
    back_to_source_ = false;
    source_ordered_ = false;
  }
  save_metadata();  // the dropped pieces are gone from the metadata too (a restart resumes without them)
  if (!fetching_)
    net::asio::co_spawn(ctx_.ex, [self = shared_from_this()] { return self->run_p2p(); }, net::asio::detached);
}

}  // namespace df::daemon
