// dfmanager: the control plane — clusters of schedulers and seed peers, which cluster a host uses.
#include "core/token_file.hpp"
#include "core/units.hpp"
#include "core/version.hpp"
#include "core/yaml_config.hpp"
#include "logging/logging.hpp"
#include "manager/admin_token.hpp"
#include "manager/certificate_issuer.hpp"
#include "manager/config.hpp"
#include "manager/console_auth.hpp"
#include "manager/job_engine.hpp"
#include "manager/revocation_list.hpp"
#include "manager/scheduler_dispatcher.hpp"
#include "manager/server.hpp"

#include "net/signals.hpp"
#include "net/tls_identity.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"dfmanager: the control plane of the P2P swarm"};
  app.set_version_flag("--version", df::version_line("dfmanager"), "print the version and source revision, and exit");
  df::logging::options log_options;
  df::logging::add_flags(app, log_options);
  std::string config_path, listen, data_dir, database, keepalive_interval, log_level;
  int port = -1;
  bool print_config = false;
  app.add_option("-c,--config", config_path, "YAML config file (see configs/dfmanager.yaml)");
  app.add_option("--listen", listen, "address of the API (default 0.0.0.0)");
  app.add_option("--port", port, "port of the API, /healthy and /metrics (default 8080)")->check(CLI::Range(0, 65535));
  app.add_option("--data-dir", data_dir, "where the SQLite file and the generated admin token live");
  app.add_option("--database", database, "sqlite or postgres (default sqlite)");
  app.add_option("--keepalive-interval", keepalive_interval, "how often components keep alive (default 5s)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_flag("--print-config", print_config, "print the settings in effect and exit");
  CLI11_PARSE(app, argc, argv);
  df::net::ignore_sigpipe();

  df::manager::config cfg;
  try {
    if (!config_path.empty()) cfg = df::manager::config::load(config_path);
    if (!listen.empty()) cfg.listen = listen;
    if (port >= 0) cfg.port = static_cast<std::uint16_t>(port);
    if (!data_dir.empty()) cfg.data_dir = data_dir;
    if (!database.empty()) cfg.database.type = database;
    if (!keepalive_interval.empty()) {
      const auto d = df::parse_duration(keepalive_interval);
      if (!d) throw df::config_error("--keepalive-interval: '" + keepalive_interval + "' is not a duration");
      cfg.keepalive.interval = *d;
    }
    if (!log_level.empty()) cfg.log_level = log_level;
    cfg.validate();
  } catch (const df::config_error& e) {
    std::cerr << "dfmanager: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << cfg.to_yaml();
    return 0;
  }
  if (const auto why = df::logging::apply(log_options, cfg.log_level, "dfmanager"); !why.empty()) {
    std::cerr << "dfmanager: " << why << "\n";
    return 2;
  }

  std::unique_ptr<df::manager::store> store;
  std::string token, component_token;
  std::shared_ptr<df::net::tls_identity> tls;
  std::unique_ptr<df::manager::certificate_issuer> issuer;
  std::unique_ptr<df::manager::revocation_list> revocations;
  try {
    std::error_code ec;
    std::filesystem::create_directories(cfg.data_dir, ec);
    token = df::manager::load_or_create_admin_token(cfg.admin_token, cfg.data_dir);
    if (cfg.admin_token.empty()) spdlog::info("dfmanager: the admin token is in {}/admin_token", cfg.data_dir);
    if (cfg.security.mode != df::security_mode::mtls) {
      component_token = df::manager::load_or_create_token(cfg.component_token, cfg.data_dir + "/component_token");
      if (cfg.component_token.empty())
        spdlog::info("dfmanager: the component token is in {}/component_token", cfg.data_dir);
    }
    store = df::manager::open_store(cfg);
    df::manager::open_certificate_authority(cfg, *store, issuer, revocations);  // before the CRL it signs is read
    tls = df::manager::load_manager_identity(cfg.security);
    // The console's first account; a generated password is shown this once (docs/console.md).
    if (const auto password = df::manager::create_root_account(*store, std::getenv("DF_MANAGER_ROOT_PASSWORD"),
                                                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                    std::chrono::system_clock::now().time_since_epoch())
                                                                    .count()))
      spdlog::warn("dfmanager: initial root password: {} (shown once; sign in and change it)", *password);
  } catch (const df::config_error& e) {
    std::cerr << "dfmanager: " << e.what() << "\n";
    return 1;
  }
  boost::asio::io_context io(1);
  df::manager::server server(io, cfg, std::move(store), std::move(token), std::move(component_token));
  if (tls) server.use_tls(tls);
  if (issuer) server.use_issuer(std::move(issuer), std::move(revocations));
  if (auto r = server.start(); !r) {
    std::cerr << "dfmanager: cannot listen on " << cfg.listen << ":" << cfg.port << ": " << r.error().message() << "\n";
    return 1;
  }
  // Jobs run on a thread with a database connection of their own (docs/preheat.md), handed to
  // the clusters' schedulers over the scheduler protocol (docs/jobs-dispatch.md).
  std::unique_ptr<df::manager::job_engine> jobs;
  try {
    df::manager::scheduler_dispatch_options dispatch;
    dispatch.tls = tls;
    if (!cfg.jobs.scheduler_token_file.empty())
      dispatch.token = df::read_token_file(cfg.jobs.scheduler_token_file, "jobs.scheduler_token_file", 256);
    jobs = std::make_unique<df::manager::job_engine>(cfg.jobs, cfg.keepalive.interval * cfg.keepalive.misses,
                                                     df::manager::open_store(cfg),
                                                     df::manager::make_scheduler_dispatcher(std::move(dispatch)), [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    });
  } catch (const df::config_error& e) {
    std::cerr << "dfmanager: jobs: " << e.what() << "\n";
    return 1;
  }
  jobs->start();
  df::net::run_until_signal(io, "dfmanager", [&] {
    jobs->stop();
    server.stop();
  });
  return 0;
}
