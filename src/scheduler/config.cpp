#include "scheduler/config.hpp"

#include "core/yaml_config.hpp"


namespace df::scheduler {

namespace {

config from_yaml(const YAML::Node& root) {
  config c;
  check_keys(root, "", {"server", "metrics", "keepalive_timeout", "scheduling", "limits", "security", "log_level",
                        "host", "manager", "jobs"});
  if (!root || root.IsNull()) return c;
  check_keys(root["server"], "server", {"listen", "port"});
  check_keys(root["metrics"], "metrics", {"listen", "port"});
  check_keys(root["scheduling"], "scheduling", {"max_parents", "max_children_per_host", "source_election_delay",
                                                  "cross_idc_reveal_delay", "max_peers_per_host",
                                                  "seed_max_tasks", "quarantine_reports"});
  check_keys(root["limits"], "limits", {"max_connections", "max_unidentified_per_ip"});
  check_keys(root["security"], "security", {"seed_peers", "mode", "ca_file", "cert_file", "key_file", "crl_file"});
  read_value(root["server"], "listen", c.listen);
  read_value(root["server"], "port", c.port);
  read_value(root["metrics"], "listen", c.metrics_listen);
  read_value(root["metrics"], "port", c.metrics_port);
  read_duration(root, "keepalive_timeout", c.keepalive_timeout);
  read_value(root["scheduling"], "max_parents", c.scheduling.max_parents);
  read_value(root["scheduling"], "max_children_per_host", c.scheduling.max_children_per_host);
  read_duration(root["scheduling"], "source_election_delay", c.scheduling.source_election_delay);
  read_duration(root["scheduling"], "cross_idc_reveal_delay", c.scheduling.cross_idc_reveal_delay);
  read_value(root["scheduling"], "max_peers_per_host", c.scheduling.max_peers_per_host);
  read_value(root["scheduling"], "seed_max_tasks", c.scheduling.seed_max_tasks);
  read_value(root["scheduling"], "quarantine_reports", c.scheduling.quarantine_reports);
  read_value(root["limits"], "max_connections", c.limits.max_connections);
  read_value(root["limits"], "max_unidentified_per_ip", c.limits.max_unidentified_per_ip);
  read_value(root["security"], "seed_peers", c.security.seed_peers);
  c.security.read(root["security"]);
  check_keys(root["host"], "host", {"hostname", "ip", "idc", "location"});
  read_value(root["host"], "hostname", c.host.hostname);
  read_value(root["host"], "ip", c.host.ip);
  read_value(root["host"], "idc", c.host.idc);
  read_value(root["host"], "location", c.host.location);
  c.manager.read(root["manager"], "dfscheduler");
  check_keys(root["jobs"], "jobs", {"token_file", "default_timeout"});
  read_value(root["jobs"], "token_file", c.jobs.token_file);
  read_duration(root["jobs"], "default_timeout", c.jobs.default_timeout);
  read_value(root, "log_level", c.log_level);
  return c;
}

}  // namespace

config config::load(const std::string& path) { return from_yaml(load_yaml_file(path)); }

config config::parse(const std::string& yaml_text) {
  return from_yaml(parse_yaml_text(yaml_text));
}

void config::validate() const {
  if (scheduling.max_parents == 0) throw config_error("scheduling.max_parents must be at least 1");
  if (scheduling.max_children_per_host == 0) throw config_error("scheduling.max_children_per_host must be at least 1");
  if (scheduling.max_peers_per_host == 0) throw config_error("scheduling.max_peers_per_host must be at least 1");
  if (scheduling.seed_max_tasks == 0) throw config_error("scheduling.seed_max_tasks must be at least 1");
  if (scheduling.quarantine_reports < 2)
    throw config_error("scheduling.quarantine_reports must be at least 2 (one host alone must not quarantine a peer)");
  if (limits.max_connections == 0) throw config_error("limits.max_connections must be at least 1");
  if (limits.max_unidentified_per_ip == 0) throw config_error("limits.max_unidentified_per_ip must be at least 1");
  if (keepalive_timeout < std::chrono::seconds(1)) throw config_error("keepalive_timeout must be at least 1s");
  security.validate("dfscheduler");
  manager.validate();
  if (jobs.default_timeout < std::chrono::seconds(1)) throw config_error("jobs.default_timeout must be at least 1s");
}

std::string config::to_yaml() const {
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << listen;
  out << YAML::Key << "port" << YAML::Value << port << YAML::EndMap;
  out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << metrics_listen;
  out << YAML::Key << "port" << YAML::Value << metrics_port << YAML::EndMap;
  out << YAML::Key << "keepalive_timeout" << YAML::Value << ms(keepalive_timeout);
  out << YAML::Key << "scheduling" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_parents" << YAML::Value << scheduling.max_parents;
  out << YAML::Key << "max_children_per_host" << YAML::Value << scheduling.max_children_per_host;
  out << YAML::Key << "source_election_delay" << YAML::Value << ms(scheduling.source_election_delay);
  out << YAML::Key << "cross_idc_reveal_delay" << YAML::Value << ms(scheduling.cross_idc_reveal_delay);
  out << YAML::Key << "max_peers_per_host" << YAML::Value << scheduling.max_peers_per_host;
  out << YAML::Key << "seed_max_tasks" << YAML::Value << scheduling.seed_max_tasks;
  out << YAML::Key << "quarantine_reports" << YAML::Value << scheduling.quarantine_reports << YAML::EndMap;
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_connections" << YAML::Value << limits.max_connections;
  out << YAML::Key << "max_unidentified_per_ip" << YAML::Value << limits.max_unidentified_per_ip << YAML::EndMap;
  out << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "seed_peers" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& a : security.seed_peers) out << YAML::DoubleQuoted << a;
  out << YAML::EndSeq;
  security.emit(out);
  out << YAML::EndMap;
  out << YAML::Key << "host" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : {std::pair{"hostname", &host.hostname}, {"ip", &host.ip}, {"idc", &host.idc},
                             {"location", &host.location}})
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << *v;
  out << YAML::EndMap;
  out << YAML::Key << "manager" << YAML::Value << YAML::BeginMap;
  manager.emit(out, "dfscheduler");
  out << YAML::EndMap;
  out << YAML::Key << "jobs" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "token_file" << YAML::Value << YAML::DoubleQuoted << jobs.token_file;
  out << YAML::Key << "default_timeout" << YAML::Value << ms(jobs.default_timeout) << YAML::EndMap;
  out << YAML::Key << "log_level" << YAML::Value << YAML::DoubleQuoted << log_level;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace df::scheduler
