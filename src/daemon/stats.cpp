#include "daemon/stats.hpp"

namespace df::daemon {

daemon_stats daemon_stats::create(net::metrics_registry& r) {
  const std::string dl = "dragonfly_dfdaemon_download_bytes_total";
  const std::string dl_help = "Task bytes received, by where they came from";
  const std::string ac = "dragonfly_dfdaemon_access_checks_total";
  const std::string ac_help = "Proxy requests for content, by how the requester's right to read it was decided";
  const auto connects = [&r](const char* label) -> net::metric& {
    return r.counter("dragonfly_dfdaemon_proxy_connect_total", "CONNECTs on the proxy port, by what was done", label);
  };
  const auto connect_rejections = [&r](const char* label) -> net::metric& {
    return r.counter("dragonfly_dfdaemon_proxy_connect_rejected_total", "CONNECTs refused or broken off, by reason",
                     label);
  };
  const auto latency = [&r](const std::string& name, const char* help, const char* label) -> net::histogram& {
    return r.add_histogram(name, help, net::histogram::latency_bounds, label);
  };
  const auto task_time = [&r](const std::string& name, const char* help, const char* label) -> net::histogram& {
    return r.add_histogram(name, help, net::histogram::task_bounds, label);
  };
  const std::string piece_time = "dragonfly_dfdaemon_piece_download_duration_seconds";
  const char* piece_help = "Time to fetch and store one piece, by source";
  const std::string first_byte = "dragonfly_dfdaemon_task_first_byte_seconds";
  const char* first_byte_help = "Task start until its first piece is stored, by how the task was served";
  const std::string task_duration = "dragonfly_dfdaemon_task_duration_seconds";
  const char* task_help = "Task start until it is complete, by how the task was served";
  return daemon_stats{
      r.counter(dl, dl_help, "source=\"peer\""),
      r.counter(dl, dl_help, "source=\"seed\""),
      r.counter(dl, dl_help, "source=\"origin\""),
      r.counter("dragonfly_dfdaemon_upload_bytes_total", "Piece bytes sent to other peers"),
      r.counter("dragonfly_dfdaemon_upload_requests_total", "Piece requests served"),
      r.counter("dragonfly_dfdaemon_upload_rejected_total", "Piece requests refused (not held, malformed)"),
      r.counter("dragonfly_dfdaemon_pieces_verified_total", "Pieces stored after their digest matched"),
      r.counter("dragonfly_dfdaemon_piece_digest_failures_total", "Pieces from parents that failed verification"),
      r.counter("dragonfly_dfdaemon_digests_rejected_total",
                "Piece digests relayed by the scheduler without a valid signature of the task's source (mtls); "
                "each fails its task"),
      r.counter("dragonfly_dfdaemon_upload_tls_refused_total",
                "Upload connections closed because the TLS handshake failed (mtls: no certificate of the cluster CA)"),
      r.counter("dragonfly_dfdaemon_parent_failures_total", "Parents dropped after an error"),
      r.counter("dragonfly_dfdaemon_back_to_source_total", "Tasks fetched from the origin by this daemon"),
      r.counter("dragonfly_dfdaemon_tasks_completed_total", "Tasks completed"),
      r.counter("dragonfly_dfdaemon_tasks_failed_total", "Tasks failed"),
      r.counter("dragonfly_dfdaemon_local_requests_total", "Download requests from dfget"),
      r.counter("dragonfly_dfdaemon_cache_hits_total", "Requests served wholly from the local cache"),
      r.counter("dragonfly_dfdaemon_gc_evictions_total", "Tasks removed by the cache GC", "reason=\"ttl\""),
      r.counter("dragonfly_dfdaemon_gc_evictions_total", "Tasks removed by the cache GC", "reason=\"quota\""),
      r.counter("dragonfly_dfdaemon_gc_evictions_total", "Tasks removed by the cache GC", "reason=\"modified\""),
      r.counter("dragonfly_dfdaemon_gc_evictions_total", "Tasks removed by the cache GC", "reason=\"job\""),
      r.counter("dragonfly_dfdaemon_gc_runs_total", "Cache GC rounds finished"),
      r.counter("dragonfly_dfdaemon_revalidations_total", "Seed checks of cached tasks with the origin", "result=\"valid\""),
      r.counter("dragonfly_dfdaemon_revalidations_total", "Seed checks of cached tasks with the origin", "result=\"stale\""),
      r.counter("dragonfly_dfdaemon_content_digest_mismatches_total", "Blobs whose content did not match their digest"),
      r.counter("dragonfly_dfdaemon_reverify_total", "Re-verifications of stored pieces the scheduler asked for",
                "result=\"clean\""),
      r.counter("dragonfly_dfdaemon_reverify_total", "Re-verifications of stored pieces the scheduler asked for",
                "result=\"dropped\""),
      r.counter("dragonfly_dfdaemon_reverify_pieces_dropped_total",
                "Stored pieces dropped (to be fetched again) because re-hashing them from disk failed their digest"),
      r.counter("dragonfly_dfdaemon_proxy_requests_total", "Requests on the registry mirror / proxy port"),
      r.counter("dragonfly_dfdaemon_proxy_p2p_requests_total", "Proxy requests served through the swarm"),
      r.counter("dragonfly_dfdaemon_proxy_fallbacks_total", "Proxy requests fetched directly because P2P could not serve them"),
      r.counter("dragonfly_dfdaemon_connections_refused_total",
                "Connections closed at accept on the upload or proxy port: over its limit or short of descriptors"),
      r.counter("dragonfly_dfdaemon_origins_refused_total",
                "Origin fetches refused by origin_policy (loopback, link-local, own or denied addresses)"),
      r.counter(ac, ac_help, "result=\"allowed\""),
      r.counter(ac, ac_help, "result=\"denied\""),
      r.counter(ac, ac_help, "result=\"error\""),
      r.counter(ac, ac_help, "result=\"cached\""),
      r.counter(ac, ac_help, "result=\"public\""),
      connects("action=\"hijack\""),
      connects("action=\"tunnel\""),
      connect_rejections("reason=\"bad_target\""),
      connect_rejections("reason=\"policy\""),
      connect_rejections("reason=\"upstream\""),
      connect_rejections("reason=\"handshake\""),
      connect_rejections("reason=\"bad_request\""),
      r.counter("dragonfly_dfdaemon_proxy_certs_minted_total", "Leaf certificates minted by the HTTPS proxy's CA"),
      r.counter("dragonfly_dfdaemon_proxy_auth_failures_total",
                "Proxy requests and CONNECTs refused with 407 (missing or wrong Proxy-Authorization)"),
      r.gauge("dragonfly_dfdaemon_schedulers_connected", "Schedulers this daemon is connected to now"),
      r.counter("dragonfly_dfdaemon_scheduler_tasks_moved_total",
                "Tasks re-announced to another scheduler because theirs was lost or came back (consistent hashing)"),
      latency(piece_time, piece_help, "source=\"peer\""),
      latency(piece_time, piece_help, "source=\"seed\""),
      latency(piece_time, piece_help, "source=\"origin\""),
      latency("dragonfly_dfdaemon_origin_request_duration_seconds",
              "Origin requests until their response head (each redirect hop counts)", ""),
      latency("dragonfly_dfdaemon_upload_piece_duration_seconds", "Pieces served to peers, head to last byte", ""),
      latency(first_byte, first_byte_help, "served=\"p2p\""),
      latency(first_byte, first_byte_help, "served=\"origin\""),
      task_time(task_duration, task_help, "served=\"p2p\""),
      task_time(task_duration, task_help, "served=\"origin\""),
  };
}

}  // namespace df::daemon
