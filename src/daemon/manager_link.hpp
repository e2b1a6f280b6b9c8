#pragma once
// dfdaemon's side of dfmanager (docs/manager.md, "How daemons find their cluster"): announce the
// host, learn its cluster's schedulers and config, keep the last answer on disk, refresh it; a
// seed peer also registers as one and keeps alive.

#include "daemon/config.hpp"
#include "net/asio.hpp"
#include "net/json_client.hpp"
#include "net/manager_protocol.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace df::net {
class metric;
class metrics_registry;
}

namespace df::daemon {

/// Talks to the manager for the daemon. Tracks: the answer in effect (from the manager or the
/// cache) and whether the manager answered last time; for a seed peer, its registration. Owned by
/// the daemon; single-threaded on the daemon's executor (first_answer() runs before it starts).
class manager_link {
 public:
  /// Called with a new answer's schedulers (normalised addresses) and config.
  using answer_handler = std::function<void(const net::manager::host_answer&, std::string_view source)>;
  /// Bytes the daemon holds now, announced to the manager.
  using size_source = std::function<std::uint64_t()>;

  manager_link(net::asio::any_io_executor ex, const config& cfg, std::shared_ptr<net::tls_identity> tls,
               net::metrics_registry& metrics);
  ~manager_link();

  /// At start-up: asks the manager once, waiting at most its timeout per address (on a private
  /// io_context), else reads the cache. nullopt, with `why` naming what failed, when neither
  /// gave an answer. Throws config_error when the token file cannot be read.
  std::optional<net::manager::host_answer> first_answer(std::string& why);
  /// Refreshes every manager.refresh_interval and calls `on_answer` when the answer changed (in
  /// mtls, each refresh also brings the manager's CRL into the TLS identity); a
  /// seed peer registers with the seed-peer cluster and keeps alive (`upload_port` is the port
  /// announced there).
  void start(answer_handler on_answer, size_source cache_bytes, std::uint16_t upload_port);
  void stop();

 private:
  struct state;
  std::shared_ptr<state> state_;  // shared with the loops, which may outlive this object by a turn
};

}  // namespace df::daemon
