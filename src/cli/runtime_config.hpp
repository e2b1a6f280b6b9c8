#pragma once
// `dfdaemon init <runtime>`: writes the files that point a container runtime at the local
// daemon's registry mirror, so nobody hand-edits TOML or JSON.

#include "core/error.hpp"

#include <string>
#include <vector>

namespace df::cli {

/// What to write for one runtime.
struct runtime_init_options {
  std::vector<std::string> registries;  // upstreams: "https://host:port", "host:port" or "docker.io"
  std::string mirror = "http://127.0.0.1:65001";  // the daemon's proxy
  std::string hosts_dir = "/etc/containerd/certs.d";
  std::string containerd_config = "/etc/containerd/config.toml";
  std::string docker_daemon_json = "/etc/docker/daemon.json";
  std::string registries_conf_dir = "/etc/containers/registries.conf.d";
  bool all_registries = false;  // containerd: also a _default entry for every other registry
};

/// A registry as hosts.toml names it: directory name (host[:port]) and server URL.
struct registry_target {
  std::string host;    // "docker.io", "registry.example:5000"
  std::string server;  // "https://registry-1.docker.io", "https://registry.example:5000"
};

/// Reads "https://host:port", "http://host:port" or "host[:port]" (https assumed).
result<registry_target> parse_registry(const std::string& text);

/// hosts.toml: pull and resolve through the mirror; the registry itself when the daemon is down.
/// An empty `server` writes a _default entry (containerd then falls back to the image's own host).
std::string containerd_hosts_toml(const registry_target& target, const std::string& mirror);

/// podman / CRI-O: a registries.conf.d drop-in mirroring each registry through the daemon.
std::string podman_registries_conf(const std::vector<registry_target>& targets, const std::string& mirror);

/// docker's daemon.json with the mirror added to "registry-mirrors" (other settings kept).
/// Malformed existing JSON is an error, never overwritten.
result<std::string> docker_daemon_json(const std::string& existing, const std::string& mirror);

/// Runs `dfdaemon init <runtime>`; prints what it wrote and what is left to do. Returns the exit code.
int run_runtime_init(const std::string& runtime, const runtime_init_options& options);

}  // namespace df::cli
