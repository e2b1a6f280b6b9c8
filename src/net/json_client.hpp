#pragma once
// A small JSON-over-HTTP(S) client for the control plane: daemons and schedulers talk to dfmanager
// with it (docs/manager.md, "How daemons find their cluster").

#include "net/asio.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace df {
struct manager_settings;
}

namespace df::net {

class metric;
class metrics_registry;
class tls_identity;

/// Where and how to reach the manager. Copied into the client at construction.
struct json_client_options {
  std::vector<std::string> addresses;           // "host:port", tried in turn
  std::string token;                            // sent as "Authorization: Bearer <token>"; empty = none
  std::chrono::milliseconds timeout{5000};      // connect + request + answer, per address
  std::size_t max_body = 1 << 20;               // a longer answer is an error (errc::out_of_bounds)
  // With security.mode tls or mtls: TLS checked against the cluster CA, our certificate presented
  // when the manager asks for it, and the manager's certificate must name the manager role.
  std::shared_ptr<tls_identity> tls;
};

/// The options for talking to dfmanager as `settings` say (addresses, the token read from
/// token_file); throws config_error when the token file cannot be read.
json_client_options manager_client_options(const manager_settings& settings, std::shared_ptr<tls_identity> tls);

/// The manager addresses a bearer token would travel to in clear text: every non-loopback one
/// when there is a token and no TLS (security.mode off); none otherwise. manager_client_options
/// warns about them at start.
std::vector<std::string> token_in_clear_to(const json_client_options& options);

/// Trims an error answer's body to a log line's worth (200 characters).
std::string excerpt(const std::string& body);

/// Requests to the manager by result (a counter `name` with result="ok" / "failed"), and the log
/// of an outage: one warning at its first failure, one line when the manager answers again.
class manager_request_tally {
 public:
  manager_request_tally(metrics_registry& metrics, const std::string& name, const std::string& help);
  void failure(const std::string& what);
  void success();
  /// False since a failure, until the next success.
  bool healthy() const { return healthy_; }

 private:
  metric& ok_;
  metric& failed_;
  bool healthy_ = true;
};

/// An HTTP answer: its status, its body (at most max_body bytes) and which address gave it.
struct json_reply {
  int status = 0;
  std::string body;
  std::string address;
};

/// Sends one request per connection to the first address that answers; an address that cannot be
/// reached, times out, breaks the protocol or answers 5xx is skipped for the next, and the
/// address that last answered is tried first next time. Single-threaded on its caller's executor.
class json_client {
 public:
  explicit json_client(json_client_options options);

  /// `method` `target` with `body` (JSON text; empty = no body). A 4xx is an answer, not an
  /// error; when no address answered below 500, a 5xx answer if there was one, else the last
  /// address's error.
  awaitable<result<json_reply>> request(const std::string& method, const std::string& target,
                                        const std::string& body);
  const json_client_options& options() const { return options_; }

 private:
  awaitable<result<json_reply>> request_one(const std::string& address, const std::string& method,
                                            const std::string& target, const std::string& body);

  json_client_options options_;
  std::size_t preferred_ = 0;  // the address that answered last
};

}  // namespace df::net
