// dfdaemon: the peer on every host (or, with --seed-peer, the swarm's seed that reads the origin).
#include "cli/runtime_config.hpp"
#include "core/units.hpp"
#include "core/version.hpp"
#include "core/yaml_config.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "logging/logging.hpp"

#include "net/signals.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"dfdaemon: P2P download daemon (peer or seed peer)"};
  app.set_version_flag("--version", df::version_line("dfdaemon"), "print the version and source revision, and exit");
  df::logging::options log_options;
  df::logging::add_flags(app, log_options);
  std::string config_path, data_dir, socket, ip, hostname, idc, location, log_level, upload_limit,
      download_limit, piece_size;
  int port = -1;
  bool seed = false, print_config = false;
  app.add_option("-c,--config", config_path, "YAML config file (see configs/dfdaemon.yaml)");
  app.add_option("--data-dir", data_dir, "where tasks are stored");
  std::vector<std::string> schedulers;
  app.add_option("--scheduler", schedulers,
                 "scheduler address host:port (repeatable: tasks are spread over all by consistent hashing, "
                 "a lost one's tasks move to the next; overrides scheduler.addresses)");
  std::vector<std::string> managers;
  app.add_option("--manager", managers,
                 "dfmanager address host:port (repeatable; overrides manager.addresses): the host's cluster, its "
                 "schedulers and config come from it (docs/manager.md)");
  app.add_option("--upload-port", port, "port other peers fetch pieces from (default 65002; 0 = any)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--socket", socket, "unix socket for dfget");
  app.add_option("--ip", ip, "address other peers reach this host on");
  app.add_option("--hostname", hostname, "host name reported to the scheduler");
  app.add_option("--idc", idc, "data centre label");
  app.add_option("--location", location, "location label, e.g. cn|hangzhou|rack12");
  app.add_option("--upload-rate-limit", upload_limit, "upload limit, e.g. 30MB (bytes/s); 0 = unlimited");
  app.add_option("--download-rate-limit", download_limit, "download limit, e.g. 100MB; 0 = unlimited");
  app.add_option("--piece-size", piece_size, "fixed piece size for tasks this host sources, e.g. 4MiB");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_flag("--seed-peer", seed, "run as a seed peer (fetches from the origin for the swarm)");
  app.add_flag("--print-config", print_config, "print the settings in effect and exit");
  int proxy_port = -1;
  std::string proxy_listen, default_registry, ca_file;
  std::vector<std::string> registries, insecure, origin_allow;
  bool no_proxy = false;
  app.add_option("--proxy-port", proxy_port, "registry mirror / HTTP proxy port (default 65001; 0 = any)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--proxy-listen", proxy_listen, "address the proxy listens on (default 127.0.0.1)");
  app.add_flag("--no-proxy", no_proxy, "do not open the registry mirror / proxy port");
  app.add_option("--registry", registries,
                 "how to reach a registry named by ?ns= or X-Dragonfly-Registry, as HOST=URL, e.g. "
                 "127.0.0.1:5000=http://127.0.0.1:5000 (repeatable)");
  app.add_option("--default-registry", default_registry, "upstream for mirror requests that name none");
  app.add_option("--insecure-registry", insecure, "host[:port] whose TLS certificate is not checked (repeatable)");
  app.add_option("--origin-allow", origin_allow,
                 "IP, CIDR or host name a seed peer may fetch although origin_policy denies it by default "
                 "(loopback, link-local, its own addresses); repeatable, added to origin_policy.allow");
  app.add_option("--ca-file", ca_file, "extra PEM CA bundle trusted for https origins and registries");
  bool corrupt = false;
  // dfdaemon init <runtime>: point a container runtime at this daemon's registry mirror.
  df::cli::runtime_init_options init;
  std::string init_runtime;
  auto* init_cmd = app.add_subcommand("init", "write a container runtime's config to pull through this daemon");
  init_cmd->add_option("runtime", init_runtime, "containerd, docker, podman or crio")->required();
  init_cmd->add_option("--registry", init.registries, "registry to mirror, e.g. https://registry.example:5000 "
                                                       "or docker.io (repeatable)");
  init_cmd->add_option("--mirror", init.mirror, "the daemon's proxy URL")->capture_default_str();
  init_cmd->add_flag("--all-registries", init.all_registries, "containerd: also mirror every other registry "
                                                              "(_default)");
  init_cmd->add_option("--hosts-dir", init.hosts_dir, "containerd hosts directory")->capture_default_str();
  init_cmd->add_option("--containerd-config", init.containerd_config, "containerd config.toml")
      ->capture_default_str();
  init_cmd->add_option("--daemon-json", init.docker_daemon_json, "docker daemon.json")->capture_default_str();
  init_cmd->add_option("--registries-conf-dir", init.registries_conf_dir, "podman/CRI-O registries.conf.d")
      ->capture_default_str();
  app.add_flag("--test-corrupt-uploads", corrupt, "TESTS ONLY: flip a byte in every piece served")->group("");
  CLI11_PARSE(app, argc, argv);
  if (init_cmd->parsed()) return df::cli::run_runtime_init(init_runtime, init);
  df::net::ignore_sigpipe();

  df::daemon::config cfg;
  try {
    if (!config_path.empty()) cfg = df::daemon::config::load(config_path);
    const auto size_flag = [](const std::string& text, const char* flag) {
      const auto v = df::parse_size(text);
      if (!v) throw df::config_error(std::string(flag) + ": '" + text + "' is not a size like 30MB");
      return *v;
    };
    if (!data_dir.empty()) cfg.data_dir = data_dir;
    if (!schedulers.empty()) cfg.scheduler.addresses = schedulers;
    if (!managers.empty()) cfg.manager.addresses = managers;
    if (port >= 0) cfg.upload.port = static_cast<std::uint16_t>(port);
    if (!socket.empty()) cfg.local_api.socket = socket;
    if (!ip.empty()) cfg.host.ip = ip;
    if (!hostname.empty()) cfg.host.hostname = hostname;
    if (!idc.empty()) cfg.host.idc = idc;
    if (!location.empty()) cfg.host.location = location;
    if (!upload_limit.empty()) cfg.upload.rate_limit = size_flag(upload_limit, "--upload-rate-limit");
    if (!download_limit.empty()) cfg.download.rate_limit = size_flag(download_limit, "--download-rate-limit");
    if (!piece_size.empty()) cfg.download.piece_size = size_flag(piece_size, "--piece-size");
    if (!log_level.empty()) cfg.log_level = log_level;
    if (seed) cfg.seed_peer = true;
    if (corrupt) cfg.upload.corrupt_for_testing = true;
    if (proxy_port >= 0) cfg.proxy.port = static_cast<std::uint16_t>(proxy_port);
    if (!proxy_listen.empty()) cfg.proxy.listen = proxy_listen;
    if (no_proxy) cfg.proxy.enabled = false;
    for (const auto& r : registries) {
      const auto eq = r.find('=');
      if (eq == std::string::npos || eq == 0)
        throw df::config_error("--registry: expected HOST=URL, got '" + r + "'");
      cfg.proxy.registries.emplace_back(r.substr(0, eq), r.substr(eq + 1));
    }
    if (!default_registry.empty()) cfg.proxy.default_registry = default_registry;
    for (const auto& h : insecure) cfg.origin_tls.insecure_hosts.push_back(h);
    for (const auto& a : origin_allow) cfg.origin_policy.allow.push_back(a);
    if (!ca_file.empty()) cfg.origin_tls.ca_file = ca_file;
    cfg.resolve_defaults();
    cfg.validate();
    cfg.manager.read_token();  // a token file that cannot be read is a start-up error
  } catch (const df::config_error& e) {
    std::cerr << "dfdaemon: " << e.what() << "\n";
    return 2;
  }
  if (print_config) {
    std::cout << cfg.to_yaml();
    return 0;
  }
  if (const auto why = df::logging::apply(log_options, cfg.log_level, "dfdaemon"); !why.empty()) {
    std::cerr << "dfdaemon: " << why << "\n";
    return 2;
  }

  boost::asio::io_context io(1);
  df::daemon::daemon daemon(io, cfg);
  if (!daemon.start()) return 1;
  df::net::run_until_signal(io, "dfdaemon", [&] { daemon.stop(); });
  return 0;
}
