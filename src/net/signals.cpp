#include "net/signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <csignal>

namespace df::net {

void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }

void run_until_signal(boost::asio::io_context& io, const char* process_name, const std::function<void()>& stop) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("{}: signal {}, shutting down", process_name, sig);
    stop();
    io.stop();
  });
  io.run();
}

}  // namespace df::net
