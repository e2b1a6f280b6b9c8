#pragma once
// dfscheduler's side of dfmanager (docs/manager.md): register, keep alive, register again when the
// manager forgot us, and take the cluster's config from each keepalive answer; in mtls, also take
// the manager's CRL after each keepalive. After each keepalive it also sends the finished downloads
// queued since (POST /api/v1/schedulers/{id}/downloads, docs/manager.md "Analytics").

#include "net/asio.hpp"
#include "net/manager_protocol.hpp"
#include "scheduler/config.hpp"
#include "scheduler/download_report.hpp"

#include <functional>
#include <memory>

namespace df::net {
class metrics_registry;
class tls_identity;
}

namespace df::scheduler {

/// The scheduler's registration with the manager. Tracks: its id there, the keepalive interval
/// the manager asked for, and the cluster config last seen. Owned by the service; single-threaded
/// on its executor.
class manager_registration {
 public:
  /// Called with the cluster's config when it first arrives and each time it changes.
  using config_handler = std::function<void(const net::manager::cluster_config&)>;

  /// `port`: the port daemons connect to (the one bound). Throws config_error when the token file
  /// cannot be read.
  manager_registration(net::asio::any_io_executor ex, const config& cfg, std::uint16_t port,
                       std::shared_ptr<net::tls_identity> tls, net::metrics_registry& metrics);
  ~manager_registration();

  void start(config_handler on_config);
  void stop();

  /// Queues a finished download for the manager (stamped now); past max_queued_reports the
  /// oldest is dropped and counted.
  void report(download_report r);

  /// Downloads held while the manager is away, and the most sent in one request.
  static constexpr std::size_t max_queued_reports = 10000;
  static constexpr std::size_t report_batch = 500;

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the loop, which may outlive this object by a turn
};

}  // namespace df::scheduler
