#pragma once
// The manager's CRL brought to a component (docs/security.md, "Revocation"): with manager.addresses
// and security.mode mtls, each refresh of the daemon and each keepalive of the scheduler also asks
// GET /api/v1/crl and puts a newer, verified list in force, so no operator timer is needed.

#include "net/asio.hpp"
#include "net/log_rate_limiter.hpp"

#include <memory>
#include <string>

namespace df::net {

class json_client;
class metric;
class metrics_registry;
class tls_identity;

/// Fetches and applies the manager's CRL. Tracks: the outcome counters
/// (`dragonfly_<component>_manager_crl_fetches_total{result}`) and a log limiter. Owned by the
/// component's manager client; single-threaded on its executor.
class manager_crl_sync {
 public:
  /// `component` names the metric and prefixes log lines; without `tls`, or in a mode other
  /// than mtls, fetch() does nothing (the counters exist).
  manager_crl_sync(std::shared_ptr<tls_identity> tls, metrics_registry& metrics, const std::string& component);

  /// Asks the manager through `client` and applies what it sends (tls_identity::apply_crl).
  awaitable<void> fetch(json_client& client);

 private:
  void count(metric& m, const std::string& problem);

  std::shared_ptr<tls_identity> tls_;
  std::string component_;
  metric& applied_;
  metric& unchanged_;
  metric& refused_;
  metric& failed_;
  log_rate_limiter log_{std::chrono::seconds(60)};
  bool told_not_ca_ = false;
};

}  // namespace df::net
