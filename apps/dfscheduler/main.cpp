// dfscheduler: builds the swarm — keeps tasks, peers and hosts, and picks parents for every peer.
#include "core/version.hpp"
#include "core/yaml_config.hpp"
#include "logging/logging.hpp"
#include "scheduler/config.hpp"
#include "scheduler/service.hpp"

#include "net/signals.hpp"
#include "net/tls_identity.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"dfscheduler: schedules peers of the P2P swarm"};
  app.set_version_flag("--version", df::version_line("dfscheduler"), "print the version and source revision, and exit");
  df::logging::options log_options;
  df::logging::add_flags(app, log_options);
  std::string config_path;
  bool print_config = false;
  df::scheduler::config cfg;
  std::string listen, log_level;
  int port = -1, metrics_port = -1;
  app.add_option("-c,--config", config_path, "YAML config file (see configs/dfscheduler.yaml)");
  app.add_option("--listen", listen, "address for daemon connections (default 0.0.0.0)");
  app.add_option("--port", port, "port for daemon connections (default 8002)")->check(CLI::Range(0, 65535));
  app.add_option("--metrics-port", metrics_port, "port for /metrics, 0 disables (default 8000)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  std::vector<std::string> managers;
  app.add_option("--manager", managers,
                 "dfmanager address host:port (repeatable; overrides manager.addresses): register and take the "
                 "cluster's config from it (docs/manager.md)");
  app.add_flag("--print-config", print_config, "print the settings in effect and exit");
  CLI11_PARSE(app, argc, argv);
  df::net::ignore_sigpipe();

  try {
    if (!config_path.empty()) cfg = df::scheduler::config::load(config_path);
    if (!listen.empty()) cfg.listen = listen;
    if (port >= 0) cfg.port = static_cast<std::uint16_t>(port);
    if (metrics_port >= 0) cfg.metrics_port = static_cast<std::uint16_t>(metrics_port);
    if (!log_level.empty()) cfg.log_level = log_level;
    if (!managers.empty()) cfg.manager.addresses = managers;
    cfg.validate();
    cfg.manager.read_token();  // a token file that cannot be read is a start-up error
  } catch (const df::config_error& e) {
    std::cerr << "dfscheduler: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << cfg.to_yaml();
    return 0;
  }
  if (const auto why = df::logging::apply(log_options, cfg.log_level, "dfscheduler"); !why.empty()) {
    std::cerr << "dfscheduler: " << why << "\n";
    return 2;
  }

  std::shared_ptr<df::net::tls_identity> tls;
  if (cfg.security.mode != df::security_mode::off) {
    std::string why;
    auto loaded = df::net::tls_identity::load(cfg.security, why);
    if (!loaded) {
      std::cerr << "dfscheduler: " << why << "\n";
      return 2;
    }
    tls = *loaded;
    if (tls->own().role != df::net::cluster_role::scheduler) {
      std::cerr << "dfscheduler: security.cert_file is a " << df::net::role_name(tls->own().role)
                << " certificate (" << tls->own().uri() << "); a scheduler needs a scheduler certificate\n";
      return 2;
    }
  }

  boost::asio::io_context io(1);
  df::scheduler::service service(io, cfg, tls);
  if (auto r = service.start(); !r) {
    std::cerr << "dfscheduler: cannot listen on " << cfg.listen << ":" << cfg.port << " (metrics port "
              << cfg.metrics_port << "): " << r.error().message() << "\n";
    return 1;
  }
  df::net::run_until_signal(io, "dfscheduler", [&] { service.stop(); });
  return 0;
}
