#pragma once
// dfmanager's process: the REST API, /healthy and /metrics on one HTTP port, with the admin
// token check and the body limit in front of the API, and the store on a thread of its own.

#include "core/error.hpp"
#include "manager/config.hpp"
#include "manager/store.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace df::manager {

class certificate_issuer;

/// Owns the HTTP server, the metrics and the store's thread; created by main, runs on its
/// io_context (the I/O thread), while every store call runs on the database thread.
class server {
 public:
  /// `admin_token` guards /api/v1; it is never logged.
  server(boost::asio::io_context& io, const config& cfg, std::unique_ptr<store> db, std::string admin_token);
  ~server();
  /// Answers POST /api/v1/certificates (enrollment with a bootstrap token instead of the admin
  /// token) with certificates this issuer signs (before start()).
  void use_issuer(std::unique_ptr<certificate_issuer> issuer);
  /// Listens; returns the bound port (useful with port 0).
  result<std::uint16_t> start();
  /// Stops accepting and waits for the database thread to finish what it runs.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Opens the configured database (creating the data dir for SQLite) and migrates it; throws
/// config_error naming what failed (never the password).
std::unique_ptr<store> open_store(const config& cfg);

}  // namespace df::manager
