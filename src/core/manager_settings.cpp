#include "core/manager_settings.hpp"

#include "core/token_file.hpp"

#include "core/yaml_config.hpp"

#include <fstream>

namespace df {

namespace {
constexpr std::size_t max_token = 4096;
}

void manager_settings::read(const YAML::Node& section, std::string_view component) {
  if (component == "dfscheduler")
    check_keys(section, "manager", {"addresses", "refresh_interval", "token_file", "scheduler_cluster_id"});
  else
    check_keys(section, "manager", {"addresses", "refresh_interval", "token_file"});
  read_value(section, "addresses", addresses);
  read_duration(section, "refresh_interval", refresh_interval);
  read_value(section, "token_file", token_file);
  if (component == "dfscheduler") read_value(section, "scheduler_cluster_id", scheduler_cluster_id);
}

void manager_settings::emit(YAML::Emitter& out, std::string_view component) const {
  out << YAML::Key << "addresses" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& a : addresses) out << YAML::DoubleQuoted << a;
  out << YAML::EndSeq;
  out << YAML::Key << "refresh_interval" << YAML::Value << std::to_string(refresh_interval.count()) + "ms";
  out << YAML::Key << "token_file" << YAML::Value << YAML::DoubleQuoted << token_file;
  if (component == "dfscheduler") out << YAML::Key << "scheduler_cluster_id" << YAML::Value << scheduler_cluster_id;
}

void manager_settings::validate() const {
  for (const auto& a : addresses) {
    const auto colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == a.size())
      throw config_error("manager address '" + a + "' must be host:port");
  }
  if (refresh_interval < std::chrono::milliseconds(100) || refresh_interval > std::chrono::hours(24))
    throw config_error("manager.refresh_interval must be between 100ms and 24h");
  if (scheduler_cluster_id < 0) throw config_error("manager.scheduler_cluster_id must be 0 (default) or a cluster id");
}

std::string manager_settings::read_token() const {
  if (token_file.empty()) return {};
  return read_token_file(token_file, "manager.token_file", max_token);
}

}  // namespace df
