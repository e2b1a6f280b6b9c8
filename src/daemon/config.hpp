#pragma once
// dfdaemon's configuration: every setting with its default in one place (configs/dfdaemon.yaml
// documents them).

#include "core/manager_settings.hpp"
#include "core/security_settings.hpp"

#include <yaml-cpp/node/node.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace df::daemon {

/// Everything dfdaemon can be told; loaded from YAML, overridden by flags, validated at start-up.
struct config {
  std::string data_dir = "/var/lib/dragonfly";
  std::string log_level = "info";
  bool seed_peer = false;  // fetch from the origin for the swarm (the CDN role)

  struct host_section {
    std::string hostname;  // default: the machine's hostname
    std::string ip;        // address other peers reach this one on; default: first non-loopback IPv4
    std::string idc;       // data centre label for topology-aware parent choice
    std::string location;  // "country|city|rack"-style label, '|' separated
  } host;

  struct scheduler_section {
    // Static scheduler addresses. Default: 127.0.0.1:8002, unless manager.addresses is set (then
    // the manager's answer gives them, and these, when given, serve only while it has not).
    std::vector<std::string> addresses;
    std::chrono::milliseconds keepalive_interval{5000};
    std::chrono::milliseconds connect_timeout{2000};  // how long a request waits for a first connection
  } scheduler;

  struct download_section {
    std::uint64_t rate_limit = 0;            // bytes/s for everything this host downloads; 0 = unlimited
    std::uint64_t piece_size = 0;            // fixed piece size for tasks this host sources; 0 = automatic
    std::uint32_t concurrent_pieces = 12;    // pieces in flight per task
    std::uint32_t per_parent_pieces = 2;     // pieces in flight from one parent
    std::chrono::milliseconds piece_timeout{30000};   // one piece from a parent
    std::chrono::milliseconds origin_timeout{30000};  // connect / idle limit towards the origin
    bool disable_back_to_source = false;     // never fetch from the origin unless this host is a seed
  } download;

  struct origin_tls_section {
    std::string ca_file;                      // extra PEM bundle trusted for https origins, besides the system CAs
    std::vector<std::string> insecure_hosts;  // host or host:port whose certificate is not checked (test registries)
  } origin_tls;

  struct origin_policy_section {
    // Which origins a seed peer may fetch (it fetches what other hosts ask for: without this a
    // request could read the seed's own loopback or a cloud metadata address). Entries are IPs,
    // CIDRs ("10.0.0.0/8") or host names. Denied by default: loopback, link-local, unspecified
    // and the seed's own addresses. `allow` wins over `deny` and the defaults.
    std::vector<std::string> allow;
    std::vector<std::string> deny;
  } origin_policy;
  struct proxy_section {
    std::string listen = "127.0.0.1";  // the registry mirror / HTTP proxy; 0.0.0.0 exposes it to the network
    std::uint16_t port = 65001;        // 0 = any free port
    bool enabled = true;
    // Upstream for a mirror request that names none (no ?ns=, no X-Dragonfly-Registry).
    std::string default_registry = "https://index.docker.io";
    // Registry host (as in ?ns= or X-Dragonfly-Registry) → base URL to reach it, e.g.
    // "127.0.0.1:5000" → "http://127.0.0.1:5000". Hosts not listed are reached over https.
    std::vector<std::pair<std::string, std::string>> registries;
    // HTTP proxy mode: a URL matching one of these goes through P2P; the rest is proxied directly.
    std::vector<std::string> p2p_rules{"/v2/.+/blobs/sha256:[0-9a-f]{64}$"};
    // HTTP proxy mode: CONNECT host:port to a host not hijacked below is answered with a TCP
    // tunnel (HTTPS passes through unread) when true, refused with 403 when false.
    bool connect_tunnel = true;
    // How long the origin's yes to "may these credentials read this URL" is reused before the
    // origin is asked again (a revoked credential is refused within it); 0 = ask every time.
    std::chrono::milliseconds auth_cache_ttl{60000};
    // HTTPS proxy (Dragonfly's proxy.hijackHTTPS): CONNECTs to these hosts are answered with TLS
    // terminated here, under a leaf certificate minted for the host by the operator's CA, and the
    // requests inside are served like plain proxy requests (blobs through the swarm).
    struct hijack_https_section {
      std::string cert;                // the CA certificate (PEM) clients trust; empty = no hijacking
      std::string key;                 // its private key (PEM, unencrypted, readable by the daemon only)
      std::vector<std::string> hosts;  // regexes searched in the CONNECT target "host:port"
      std::chrono::milliseconds leaf_validity{24 * 3600 * 1000};  // lifetime of a minted certificate
      std::uint32_t max_cached_certs = 1000;                       // minted certificates kept (LRU)
      std::chrono::milliseconds handshake_timeout{10000};          // for the client's TLS handshake
    } hijack_https;
    // Proxy basic auth (Dragonfly's proxy.basicAuth): when a username is set every request and
    // CONNECT must carry Proxy-Authorization: Basic with these, else 407. Never printed or logged.
    struct basic_auth_section {
      std::string username;
      std::string password;
    } basic_auth;
    // A tunnel or hijacked connection on which no byte moved this long is closed.
    std::chrono::milliseconds connect_idle_timeout{300000};
  } proxy;
  struct upload_section {
    std::string listen = "0.0.0.0";
    std::uint16_t port = 65002;
    std::uint64_t rate_limit = 0;  // bytes/s for everything this host uploads; 0 = unlimited
    // Fault injection for tests only (flag --test-corrupt-uploads, never in YAML): flips one byte
    // of every piece served, to prove that receivers reject and report a lying peer.
    bool corrupt_for_testing = false;
  } upload;

  struct seed_section {
    // When a seed peer checks a cached task with the origin before it serves it as a source:
    // "always", "max_age" (when the last check is older than max_age), or "never" (for
    // content-addressed URLs such as registry blobs).
    std::string revalidate = "always";
    std::chrono::milliseconds max_age{600000};
  } seed;

  struct gc_section {
    std::chrono::milliseconds interval{60000};      // how often the cache is checked
    std::chrono::milliseconds task_ttl{6 * 3600 * 1000};  // a task unused this long is removed
    std::uint64_t quota = 0;                        // bytes the cache may use; 0 = no quota
    double high_watermark = 0.9;                    // above quota × high, evict ...
    double low_watermark = 0.8;                     // ... least recently used tasks down to quota × low
  } gc;

  struct local_api_section {
    std::string socket;  // default: /var/run/dragonfly/dfdaemon.sock as root, <data_dir>/dfdaemon.sock otherwise
  } local_api;

  // dfmanager: which cluster this host belongs to, its schedulers and config (docs/manager.md).
  manager_settings manager;

  // How this daemon proves who it is to schedulers and peers, and checks who they are.
  security_settings security;

  /// Reads a YAML file over the defaults; throws config_error naming the offending key.
  static config load(const std::string& path);
  /// The same from YAML text (tests, fuzzing).
  static config parse(const std::string& yaml_text);
  /// Reads a parsed document over the defaults.
  static config from_yaml(const YAML::Node& root);
  /// Fills derived defaults (hostname, ip, socket path).
  void resolve_defaults();
  /// Throws config_error when a value is out of range.
  void validate() const;
  /// The settings in effect, as YAML (--print-config).
  std::string to_yaml() const;
};

}  // namespace df::daemon
