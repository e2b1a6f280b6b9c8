#pragma once
// dfscheduler's network side: accepts daemon connections, feeds their messages to the swarm,
// delivers the swarm's replies, drops silent hosts, serves /metrics.

#include "net/asio.hpp"
#include "net/metrics.hpp"
#include "scheduler/config.hpp"

namespace boost::asio { class io_context; }

#include <memory>

namespace df::net {
class tls_identity;
}

namespace df::scheduler {

/// The running scheduler. Owns the listener, every connection, the swarm and the metrics server;
/// everything runs on the io_context it is given.
class service {
 public:
  /// `tls`: the scheduler's certificate and CA when security.mode is tls or mtls, else null.
  service(boost::asio::io_context& io, config cfg, std::shared_ptr<net::tls_identity> tls = nullptr);
  ~service();

  /// Binds the listeners; an error names what could not be bound.
  result<void> start();
  void stop();
  std::uint16_t port() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace df::scheduler
