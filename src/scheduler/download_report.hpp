#pragma once
// One finished peer download as the scheduler reports it to dfmanager's download analytics
// (docs/manager.md, "Analytics"): the swarm makes them, manager_registration batches and sends them.

#include <cstdint>
#include <string>

namespace df::scheduler {

/// A peer that finished a task (done or failed), with where its bytes came from.
struct download_report {
  std::string task_id, host_id, hostname;
  std::int64_t duration_ms = 0;  // register_peer → peer_done / peer_failed (or the task failing)
  std::int64_t content_bytes = 0;
  std::uint64_t bytes_from_peers = 0, bytes_from_origin = 0;
  bool success = false;
  std::string error_class;  // "" on success
};

/// The short error word of a failure: its error_type when that is a plain word ("digest"), else
/// "origin" when the origin answered an error status, else "failed".
inline std::string error_class_of(const std::string& error_type, int origin_status) {
  const bool plain = !error_type.empty() && error_type.size() <= 32 &&
                     error_type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
  if (plain) return error_type;
  return origin_status != 0 ? "origin" : "failed";
}

}  // namespace df::scheduler
