#pragma once
// dfscheduler's configuration: every setting with its default in one place (configs/dfscheduler.yaml
// documents them).

#include "core/manager_settings.hpp"
#include "core/security_settings.hpp"
#include "scheduler/parent_selector.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace df::scheduler {

/// Everything dfscheduler can be told; loaded from YAML, overridden by flags, validated at start-up.
struct config {
  std::string listen = "0.0.0.0";       // address for daemon connections
  std::uint16_t port = 8002;            // daemon connections (framed protocol)
  std::string metrics_listen = "127.0.0.1";
  std::uint16_t metrics_port = 8000;    // Prometheus /metrics and /healthz; 0 disables
  std::chrono::milliseconds keepalive_timeout{30000};  // drop a host silent this long
  selection_limits scheduling;          // max_parents, max_children_per_host
  /// What one connection or host may cost; over a limit a connection is refused or closed.
  struct limits_config {
    std::uint32_t max_connections = 20000;        // daemon connections in total
    std::uint32_t max_unidentified_per_ip = 32;   // connections from one address before their hello
  } limits;
  /// Who may claim what (docs/security.md): certificates (mode, files) and an address list.
  struct security_config : security_settings {
    // Addresses (IPs, as the scheduler sees them) whose hosts may be seed peers; a `seed: true`
    // hello from any other address registers a plain host. Empty = any host may (a warning at
    // start-up when the scheduler listens beyond loopback).
    std::vector<std::string> seed_peers;
  } security;
  /// How this scheduler describes itself to dfmanager (registration).
  struct host_config {
    std::string hostname;  // default: the machine's host name
    std::string ip;        // address daemons reach it on; default: `listen`, or the first non-loopback IPv4
    std::string idc;
    std::string location;
  } host;
  /// dfmanager: register, keep alive, take the cluster's config (docs/manager.md).
  manager_settings manager;
  /// The manager's jobs (preheat, get_task, delete_task; docs/jobs-dispatch.md).
  struct jobs_config {
    // A file whose first line is the token a manager's job_request must carry when security.mode
    // is not mtls (under mtls a manager certificate is required instead); "" = jobs only under mtls.
    std::string token_file;
    std::chrono::milliseconds default_timeout{600000};  // a job_request without timeout_ms
  } jobs;
  std::string log_level = "info";

  /// Reads a YAML file over the defaults; throws config_error with the offending key.
  static config load(const std::string& path);
  /// The same from YAML text (tests, fuzzing).
  static config parse(const std::string& yaml_text);
  /// Throws config_error when a value is out of range.
  void validate() const;
  /// The settings in effect, as YAML (--print-config).
  std::string to_yaml() const;
};

}  // namespace df::scheduler
