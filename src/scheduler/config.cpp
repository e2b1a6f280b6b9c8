#include "scheduler/config.hpp"

#include "core/yaml_config.hpp"

#include <fmt/format.h>

namespace df::scheduler {

config config::load(const std::string& path) {
  config c;
  const YAML::Node root = load_yaml_file(path);
  check_keys(root, "", {"server", "metrics", "keepalive_timeout", "scheduling", "log_level"});
  if (!root || root.IsNull()) return c;
  check_keys(root["server"], "server", {"listen", "port"});
  check_keys(root["metrics"], "metrics", {"listen", "port"});
  check_keys(root["scheduling"], "scheduling", {"max_parents", "max_children_per_host", "source_election_delay"});
  read_value(root["server"], "listen", c.listen);
  read_value(root["server"], "port", c.port);
  read_value(root["metrics"], "listen", c.metrics_listen);
  read_value(root["metrics"], "port", c.metrics_port);
  read_duration(root, "keepalive_timeout", c.keepalive_timeout);
  read_value(root["scheduling"], "max_parents", c.scheduling.max_parents);
  read_value(root["scheduling"], "max_children_per_host", c.scheduling.max_children_per_host);
  read_duration(root["scheduling"], "source_election_delay", c.scheduling.source_election_delay);
  read_value(root, "log_level", c.log_level);
  return c;
}

void config::validate() const {
  if (scheduling.max_parents == 0) throw config_error("scheduling.max_parents must be at least 1");
  if (scheduling.max_children_per_host == 0) throw config_error("scheduling.max_children_per_host must be at least 1");
  if (keepalive_timeout < std::chrono::seconds(1)) throw config_error("keepalive_timeout must be at least 1s");
}

std::string config::to_yaml() const {
  return fmt::format(
      "server:\n  listen: {}\n  port: {}\nmetrics:\n  listen: {}\n  port: {}\nkeepalive_timeout: {}ms\n"
      "scheduling:\n  max_parents: {}\n  max_children_per_host: {}\n  source_election_delay: {}ms\nlog_level: {}\n",
      listen, port, metrics_listen, metrics_port, keepalive_timeout.count(), scheduling.max_parents,
      scheduling.max_children_per_host, scheduling.source_election_delay.count(), log_level);
}

}  // namespace df::scheduler
