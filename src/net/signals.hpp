#pragma once
// Runs a process's io_context until SIGINT or SIGTERM, then stops it cleanly.

#include <functional>

namespace boost::asio {
class io_context;
}

namespace df::net {

/// Makes writes to a socket whose peer is gone fail with EPIPE instead of killing the process
/// (sendfile has no MSG_NOSIGNAL). Every server calls it first thing.
void ignore_sigpipe();

/// Runs `io` until SIGINT/SIGTERM; then calls `stop` (close listeners, connections) and stops `io`.
void run_until_signal(boost::asio::io_context& io, const char* process_name, const std::function<void()>& stop);

}  // namespace df::net
