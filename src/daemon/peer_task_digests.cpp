// peer_task's piece digests: the ones it computes or verifies itself, the ones the scheduler
// relays (signed by the task's source in mtls mode, checked here), and the ones it reports.
#include "daemon/peer_task.hpp"

#include "daemon/context.hpp"
#include "net/digest_signature.hpp"
#include "net/tls_identity.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::daemon {

namespace {

// In mtls mode a relayed digest counts only with its source's signature.
bool signatures_required(const daemon_context& ctx) { return ctx.tls && ctx.tls->mode() == security_mode::mtls; }

}  // namespace

void peer_task::learn_digest(std::uint32_t piece, const std::string& digest) {
  if (digest.empty()) return;
  if (meta_.content_length && piece >= meta_.layout().piece_count()) return;
  if (meta_.piece_digests.size() <= piece) meta_.piece_digests.resize(piece + 1);
  auto& known = meta_.piece_digests[piece];
  if (known == digest) return;
  // The scheduler relays the current source's digests. A different one means the content changed
  // since this piece was stored (e.g. before a restart): the old bytes must not be mixed in.
  if (!known.empty() && meta_.verified.reset(piece_index(piece))) {
    ++generation_;
    spdlog::warn("task {}: piece {} changed at the source; fetching it again", task_id_, piece);
  }
  known = digest;
}

void peer_task::discard_pieces(const std::string& why) {
  spdlog::warn("task {}: dropping {} stored pieces: {}", task_id_, meta_.verified.count(), why);
  meta_.verified = bitfield(meta_.verified.size());
  std::fill(meta_.piece_digests.begin(), meta_.piece_digests.end(), std::string{});
  ++generation_;
  ++completion_epoch_;
}

void peer_task::discard_pieces_except(const bitfield& keep, const std::string& why) {
  std::vector<std::pair<std::uint32_t, std::string>> kept;
  for (std::uint32_t i = 0; i < meta_.verified.size(); ++i)
    if (keep.has(piece_index(i)) && meta_.verified.has(piece_index(i))) kept.emplace_back(i, meta_.piece_digests[i]);
  discard_pieces(why);
  for (auto& [piece, digest] : kept) {
    meta_.verified.set(piece_index(piece));
    meta_.piece_digests[piece] = std::move(digest);
  }
}

void peer_task::learn_relayed_digest(std::uint32_t piece, const std::string& wire) {
  // Reading the origin itself, this peer computes every digest from the origin's bytes: one
  // relayed late from the swarm (say, the old content's, from a seed that died) must not reset a
  // piece the origin just wrote, or the answer ends with holes.
  if (wire.empty() || back_to_source_) return;
  auto [digest, signature] = net::split_wire_digest(wire);
  if (!signatures_required(ctx_)) return learn_digest(piece, digest);
  if (piece < meta_.piece_digests.size() && meta_.piece_digests[piece] == digest) return;  // checked before
  std::string problem;
  if (!signer_) problem = "the scheduler named no signer for the task";
  else if (!meta_.content_length) problem = "the task's layout is not known yet";
  else if (signature.empty()) problem = "it is not signed";
  else if (!signer_->verify({task_id_, static_cast<std::int64_t>(*meta_.content_length), meta_.piece_size, piece, digest},
                            signature))
    problem = fmt::format("its signature is not {}'s", signer_->signer().uri());
  if (problem.empty()) return learn_digest(piece, digest);
  ctx_.stats.digests_rejected.add();
  fail({"scheduler", fmt::format("the digest of piece {} relayed by the scheduler is refused: {}; nothing from "
                                 "the swarm is trusted for this task",
                                 piece, problem)});
}

void peer_task::learn_signer(const std::string& certificate_pem) {
  if (!signatures_required(ctx_)) return;
  if (signer_ && signer_->certificate_pem() == certificate_pem) return;
  if (certificate_pem.empty()) {
    signer_.reset();  // digests relayed from now on are refused
    return;
  }
  std::string why;
  auto loaded = net::statement_verifier::load(*ctx_.tls, certificate_pem, why);
  if (!loaded) {
    ctx_.stats.digests_rejected.add();
    fail({"scheduler", "the scheduler named a signer for the task that is refused: " + why});
    return;
  }
  signer_ = std::move(*loaded);
}

std::string peer_task::outgoing_digest(std::uint32_t piece) const {
  if (piece >= meta_.piece_digests.size() || meta_.piece_digests[piece].empty()) return {};
  const std::string& digest = meta_.piece_digests[piece];
  if (!ctx_.signer) return digest;
  if (!meta_.content_length) return {};  // signed once the length is known (the end of the body)
  const net::piece_statement statement{task_id_, static_cast<std::int64_t>(*meta_.content_length), meta_.piece_size,
                                       piece, digest};
  return net::join_wire_digest(digest, ctx_.signer->sign(statement));
}

std::string peer_task::signer_certificate() const { return ctx_.signer ? ctx_.signer->certificate_pem() : ""; }

}  // namespace df::daemon
