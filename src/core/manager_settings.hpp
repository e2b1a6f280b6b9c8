#pragma once
// The `manager` keys dfdaemon and dfscheduler share: where dfmanager is and how to authenticate to
// it (docs/manager.md, "How daemons find their cluster"). Plain data and YAML only.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace df {

/// How a component reaches the manager; no addresses = no manager (static configuration).
struct manager_settings {
  std::vector<std::string> addresses;               // "host:port" of dfmanager replicas, tried in turn
  std::chrono::milliseconds refresh_interval{60000};  // daemons: how often the cluster is asked for again
  std::string token_file;                           // a file whose contents are the bearer token; "" = none
  std::int64_t scheduler_cluster_id = 0;            // schedulers: the cluster to join; 0 = the default one

  bool enabled() const { return !addresses.empty(); }
  /// Reads the keys of a `manager` section (`component` names it in errors; the scheduler also
  /// takes scheduler_cluster_id).
  void read(const YAML::Node& section, std::string_view component);
  /// Writes them as keys of the map being emitted (the token file's name, never its contents).
  void emit(YAML::Emitter& out, std::string_view component) const;
  /// Throws config_error for an address that is not host:port or an interval out of range.
  void validate() const;
  /// The token: the token file's first line (trailing spaces dropped); "" without a file. Throws
  /// config_error naming the file when it cannot be read or is empty.
  std::string read_token() const;
};

}  // namespace df
