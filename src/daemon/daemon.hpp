#pragma once
// dfdaemon as one object: storage, scheduler connection, task manager, upload server and local API.

#include "core/error.hpp"
#include "daemon/config.hpp"

#include <memory>

namespace boost::asio {
class io_context;
}

namespace df::daemon {

/// The running daemon. Owns every component; all task state lives on the io_context's thread,
/// hashing and disk I/O on a small worker pool.
class daemon {
 public:
  daemon(boost::asio::io_context& io, config cfg);
  ~daemon();

  /// Opens the data directory and binds every listener; an error says which one failed.
  result<void> start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace df::daemon
