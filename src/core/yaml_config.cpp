#include "core/yaml_config.hpp"

#include "core/units.hpp"

namespace df {

namespace {

// The value at node[key] as text; a sequence or map there is a config_error naming the key.
std::string scalar_text(const YAML::Node& node, const char* key) {
  try {
    return node[key].as<std::string>();
  } catch (const YAML::Exception&) {
    throw config_error(std::string("config key '") + key + "' must be a single value");
  }
}

}  // namespace

void read_size(const YAML::Node& node, const char* key, std::uint64_t& out) {
  if (!node || !node.IsMap() || !node[key]) return;
  const auto text = scalar_text(node, key);
  const auto v = parse_size(text);
  if (!v) throw config_error(std::string("config key '") + key + "': '" + text + "' is not a size like 30MB or 4MiB");
  out = *v;
}

void read_duration(const YAML::Node& node, const char* key, std::chrono::milliseconds& out) {
  if (!node || !node.IsMap() || !node[key]) return;
  const auto text = scalar_text(node, key);
  const auto v = parse_duration(text);
  if (!v) throw config_error(std::string("config key '") + key + "': '" + text + "' is not a duration like 30s");
  out = *v;
}

void check_keys(const YAML::Node& node, const std::string& where, std::initializer_list<const char*> known) {
  if (!node || node.IsNull()) return;
  const std::string name = where.empty() ? "the config" : "config section '" + where + "'";
  if (!node.IsMap()) throw config_error(name + " must be a mapping of keys to values");
  for (const auto& entry : node) {
    std::string key;
    try {
      key = entry.first.as<std::string>();
    } catch (const YAML::Exception&) {
      throw config_error(name + " has a key that is not a string");
    }
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok = ok || key == k;
      list += list.empty() ? k : std::string(", ") + k;
    }
    if (!ok) throw config_error("unknown key '" + key + "' in " + name + " (known: " + list + ")");
  }
}

YAML::Node parse_yaml_text(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw config_error(std::string("malformed YAML: ") + e.what());
  }
}

YAML::Node load_yaml_file(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw config_error("cannot load config file " + path + ": " + e.what());
  }
}

}  // namespace df
