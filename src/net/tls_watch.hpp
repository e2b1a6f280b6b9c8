#pragma once
// Keeps a component's TLS files current while it runs (docs/security.md, "Renewal" and
// "Revocation"): every few seconds security.crl_file and the certificate pair are read again when
// they changed on disk, with a log line and a counter for each outcome.

#include "net/asio.hpp"
#include "net/log_rate_limiter.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace df::net {

class metric;
class metrics_registry;
class tls_identity;

/// How often the files are looked at (their modification times).
constexpr auto tls_check_interval = std::chrono::seconds(5);

/// Re-reads a component's CRL file and certificate pair when they change. Tracks: the reload
/// counters (`dragonfly_<component>_certificate_reloads_total{result}`) and the log limiter for
/// files that stay bad. Owned by the component; single-threaded on its executor.
class tls_file_watch {
 public:
  /// `component` names the metric ("dfdaemon" → dragonfly_dfdaemon_…) and prefixes log lines.
  /// Without `tls` (security.mode off) the counters exist and nothing is read.
  tls_file_watch(std::shared_ptr<tls_identity> tls, metrics_registry& metrics, std::string component);
  ~tls_file_watch();

  /// Reads what changed (called every tls_check_interval); true when a new certificate pair is
  /// in use since the last call.
  bool check();
  /// Calls check() every tls_check_interval until stop(), and `on_certificate` after a reload.
  void start(asio::any_io_executor ex, std::function<void()> on_certificate);
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the loop, which may outlive this object by a turn
};

}  // namespace df::net
