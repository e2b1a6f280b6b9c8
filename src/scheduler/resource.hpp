#pragma once
// The scheduler's in-memory model: hosts, tasks and the peers of each task with the pieces they hold.

#include "core/bitfield.hpp"
#include "net/scheduler_protocol.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace df::scheduler {

/// True when two idc labels name different data centres; an empty label (unknown) differs from none.
inline bool different_idcs(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() && a != b;
}

/// A connected daemon. Tracks (1) what it announced, (2) which peers live on it, (3) how many
/// children currently download from it (its upload load), (4) when it was last heard from.
struct host_state {
  net::proto::host_info info;
  std::set<std::pair<std::string, std::string>> peers;  // (task_id, peer_id)
  std::uint32_t children = 0;
  std::chrono::steady_clock::time_point last_seen;
};

/// One host's participation in one task. Tracks (1) its pieces, (2) its parents and children in
/// the task's mesh, (3) parents it must not get again, (4) whether it is the task's source, (5) which
/// of the source's pieces it has been told of and which it was given to bring into the swarm,
/// (6) the reports against it as a parent and its quarantine (quarantine.cpp).
struct peer_state {
  std::string peer_id;
  std::string host_id;
  bitfield pieces;
  std::set<std::string> parents;
  std::set<std::string> children;
  std::set<std::string> blocked_parents;
  std::set<std::string> reported_by;  // hosts of children that reported this peer failing as their parent
  std::set<std::uint32_t> reported_pieces;  // pieces those children found corrupt (≤ reverify_pieces)
  bool quarantined = false;           // reported by limits.quarantine_reports hosts: no one's parent
  std::uint32_t quarantines = 0;      // times quarantined in this task; the second is for good
  bool reverify_pending = false;      // sent `reverify`, no answer yet (one in flight at a time)
  std::vector<bool> told_by_source;          // source pieces this peer knows it may fetch from the source
  std::set<std::uint32_t> source_assigned;   // told, not yet fetched: this peer's share of new pieces
  std::size_t digests_sent = 0;              // task digests already sent in a `parents` message
  std::uint64_t registered_seq = 0;  // order of arrival, for picking a back-to-source peer
  std::chrono::steady_clock::time_point registered_at;  // for the download's duration (analytics)
  bool announced_complete = false;  // registered holding everything (a re-announce): no download to report
  bool done = false;
  bool is_source = false;  // reads the task from the origin
};

/// The peer's parents without `dropped`, as a list for swarm::set_parents.
inline std::vector<std::string> parents_except(const peer_state& peer, const std::string& dropped) {
  std::vector<std::string> out;
  for (const auto& id : peer.parents)
    if (id != dropped) out.push_back(id);
  return out;
}

/// One resource being distributed. Tracks (1) the request that created it and its requester's idc
/// (to trigger a seed),
/// (2) the layout and piece digests reported by its source, (3) its peers, (4) its source and
/// seed-trigger state, (5) whether the source's pieces are still handed out one peer per piece,
/// (6) pieces peers hold unchecked against the source's digests, (7) failure.
struct task_state {
  net::proto::seed_task request;
  std::string requester_idc;  // idc of the host whose peer registered the task first (seed choice)
  std::int64_t content_length = -1;
  std::string signer;  // the source's certificate its digests are signed with ("" = unsigned)
  std::uint64_t piece_size = 0;
  std::vector<std::string> digests;
  std::map<std::string, peer_state> peers;
  std::vector<std::string> peer_list;  // the same peers, for sampling candidates in big swarms
  std::string source_peer;         // peer reading from the origin (or done having read it)
  std::string seed_pending_host;   // seed host asked to fetch, not registered yet
  std::set<std::string> seeds_tried;
  // Until the source holds every piece, each new source piece is told to one peer per idc only,
  // which passes it on; afterwards every peer of the source's idc may ask the source for anything
  // (source_revealed), and peers of other idcs a while later (cross_idc_revealed), so that a
  // remote idc gets each piece across its link about once.
  bool source_revealed = false;
  bool cross_idc_revealed = false;
  std::chrono::steady_clock::time_point source_done_at;
  std::vector<std::uint32_t> unassigned_source_pieces;  // held by the source, no peer to give them to yet
  // Piece → peers that said they hold it before its digest was known (a re-announce after a
  // reconnect): their bytes may be another version of the content, so the digest is owed to them.
  std::map<std::uint32_t, std::set<std::string>> unconfirmed_holders;
  bool failed = false;

  bool layout_known() const { return piece_size != 0 && content_length >= 0; }
  std::uint32_t piece_count() const {
    return layout_known() ? static_cast<std::uint32_t>((static_cast<std::uint64_t>(content_length) + piece_size - 1) /
                                                       piece_size)
                          : 0;
  }
};

}  // namespace df::scheduler
