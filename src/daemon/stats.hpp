#pragma once
// The daemon's counters, declared once and exported at /metrics on the upload port.

#include "net/metrics.hpp"

namespace df::daemon {

/// Every counter dfdaemon keeps; references into the daemon's metrics registry.
struct daemon_stats {
  net::metric& download_from_peer;    // bytes received from parents that are not seed peers
  net::metric& download_from_seed;    // bytes received from seed peers
  net::metric& download_from_origin;  // bytes read from the origin (back-to-source)
  net::metric& upload_bytes;          // piece bytes sent to other peers
  net::metric& upload_requests;       // piece requests served
  net::metric& upload_rejected;       // piece requests for pieces not held / malformed
  net::metric& pieces_verified;       // pieces stored after passing their digest
  net::metric& piece_digest_failures; // pieces from a parent that failed their digest
  net::metric& digests_rejected;
  net::metric& upload_tls_refused;    // upload connections whose TLS handshake failed (mtls: no valid certificate)      // relayed digests without a valid signature of the source (mtls)
  net::metric& parent_failures;       // parents dropped for errors
  net::metric& back_to_source;        // tasks this daemon fetched from the origin
  net::metric& tasks_completed;
  net::metric& tasks_failed;
  net::metric& local_requests;        // dfget requests served
  net::metric& cache_hits;            // dfget requests served entirely from the local cache
  net::metric& evicted_ttl;           // tasks removed because unused longer than gc.task_ttl
  net::metric& evicted_quota;         // tasks removed to bring the cache under gc.quota
  net::metric& evicted_modified;
  net::metric& evicted_by_job;        // tasks removed by a manager's delete_task job      // tasks removed because their data file changed after completing
  net::metric& gc_runs;               // cache GC rounds finished (tests wait for one to pass)
  net::metric& revalidated_valid;     // seed: cached tasks the origin confirmed unchanged
  net::metric& revalidated_stale;     // seed: cached tasks dropped (changed, or the check failed)
  net::metric& digest_mismatches;     // content-addressed tasks whose whole content failed its digest
  net::metric& reverify_clean;        // scheduler's reverify requests: every piece re-hashed matched
  net::metric& reverify_dropped;      // scheduler's reverify requests that found (and dropped) bad pieces
  net::metric& reverify_pieces_dropped;  // stored pieces dropped because a re-hash from disk failed
  net::metric& proxy_requests;        // requests on the proxy port
  net::metric& proxy_p2p_blobs;       // blob requests served through the swarm
  net::metric& proxy_fallbacks;       // blob requests fetched directly because P2P could not start
  net::metric& connections_refused;   // connections closed at accept: over the upload or proxy port's limit
  net::metric& origins_refused;       // origin fetches refused by origin_policy (seed peers)
  net::metric& access_allowed;        // proxy requests the origin allowed (HEAD with the requester's credentials)
  net::metric& access_denied;         // proxy requests the origin refused: answered with its status, no content
  net::metric& access_errors;         // proxy requests whose access could not be checked: 502, no content
  net::metric& access_cached;         // proxy requests allowed by a cached yes (proxy.auth_cache_ttl)
  net::metric& access_public;         // proxy requests for tasks fetched without credentials: not checked
  net::metric& connect_hijacked;      // CONNECTs answered with TLS terminated here (proxy.hijack_https)
  net::metric& connect_tunnelled;     // CONNECTs relayed unread to their target
  net::metric& connect_bad_target;    // CONNECTs refused: the target is not host:port, or too long
  net::metric& connect_refused;       // CONNECTs refused by policy (proxy.connect_tunnel: false)
  net::metric& connect_upstream;      // CONNECTs whose target could not be reached (or is refused by origin_policy)
  net::metric& connect_handshake;     // hijacked connections whose client did not complete a TLS handshake in time
  net::metric& connect_bad_request;   // hijacked connections closed for a malformed request inside
  net::metric& proxy_certs_minted;    // leaf certificates minted by the HTTPS proxy's CA
  net::metric& proxy_auth_failures;   // proxy requests and CONNECTs without the right Proxy-Authorization
  net::metric& schedulers_connected;  // gauge: schedulers this daemon is connected to now
  net::metric& scheduler_tasks_moved; // tasks whose messages moved from one live scheduler to another
  // Latency histograms (seconds, steady clock), for percentiles.
  net::histogram& piece_time_peer;        // asking a non-seed parent for a piece until it is stored
  net::histogram& piece_time_seed;        // the same, from a seed peer
  net::histogram& piece_time_origin;      // reading one piece's bytes from the origin's body and storing them
  net::histogram& origin_request_time;    // an origin request until its response head (per redirect hop)
  net::histogram& upload_serve_time;      // serving one piece to a peer, head to last byte
  net::histogram& first_byte_p2p;         // task start until its first stored piece, served by the swarm
  net::histogram& first_byte_origin;      // ... when this daemon went back to the origin
  net::histogram& task_time_p2p;          // task start until complete, served by the swarm
  net::histogram& task_time_origin;       // ... when this daemon went back to the origin

  static daemon_stats create(net::metrics_registry& r);
};

}  // namespace df::daemon
