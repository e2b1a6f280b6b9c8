#pragma once
// Helpers for reading config files: typed values with defaults, sizes and durations in human units.

#include "core/error.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <initializer_list>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace df {

/// Thrown while loading a config file; start-up prints it and exits.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads node[key] into `out` when present; a value of the wrong type is a config_error naming the key.
template <class T>
void read_value(const YAML::Node& node, const char* key, T& out) {
  if (!node || !node.IsMap() || !node[key]) return;
  try {
    out = node[key].as<T>();
  } catch (const YAML::Exception& e) {
    throw config_error(std::string("config key '") + key + "': " + e.what());
  }
}
/// Reads a size ("30MB", "4MiB", 1048576) when present.
void read_size(const YAML::Node& node, const char* key, std::uint64_t& out);
/// Reads a duration ("30s", "500ms") when present.
void read_duration(const YAML::Node& node, const char* key, std::chrono::milliseconds& out);
/// Checks that `node` (the section named `where`, "" for the top level) is a mapping, when present,
/// whose keys are all in `known`; a typo or a misplaced value is a config_error that lists them.
void check_keys(const YAML::Node& node, const std::string& where, std::initializer_list<const char*> known);
/// Parses YAML text; malformed text is a config_error.
YAML::Node parse_yaml_text(const std::string& text);
/// Loads a YAML file; an unreadable or malformed file is a config_error.
YAML::Node load_yaml_file(const std::string& path);

}  // namespace df
