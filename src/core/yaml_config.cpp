#include "core/yaml_config.hpp"

#include "core/units.hpp"

namespace df {

void read_size(const YAML::Node& node, const char* key, std::uint64_t& out) {
  if (!node || !node[key]) return;
  const auto text = node[key].as<std::string>();
  const auto v = parse_size(text);
  if (!v) throw config_error(std::string("config key '") + key + "': '" + text + "' is not a size like 30MB or 4MiB");
  out = *v;
}

void read_duration(const YAML::Node& node, const char* key, std::chrono::milliseconds& out) {
  if (!node || !node[key]) return;
  const auto text = node[key].as<std::string>();
  const auto v = parse_duration(text);
  if (!v) throw config_error(std::string("config key '") + key + "': '" + text + "' is not a duration like 30s");
  out = *v;
}

YAML::Node load_yaml_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw config_error("cannot load config file " + path + ": " + e.what());
  }
}

}  // namespace df
