#pragma once
// Test helpers for config parsers: the error a text gives, and two --print-config texts compared
// setting by setting.

#include "core/yaml_config.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace df::test {

namespace detail {
inline void collect_settings(const YAML::Node& n, const std::string& path, std::map<std::string, std::string>& out) {
  if (n.IsMap() && n.size() > 0) {
    for (const auto& kv : n) collect_settings(kv.second, path + "." + kv.first.as<std::string>(), out);
  } else {
    out[path] = YAML::Dump(n);
  }
}
}  // namespace detail

/// The settings (dotted key paths) with the same value in two printed configs: a config meant to
/// change every setting should have none in common with the defaults.
inline std::vector<std::string> same_settings(const std::string& printed_a, const std::string& printed_b) {
  std::map<std::string, std::string> a, b;
  detail::collect_settings(YAML::Load(printed_a), "", a);
  detail::collect_settings(YAML::Load(printed_b), "", b);
  std::vector<std::string> same;
  for (const auto& [path, value] : a)
    if (const auto it = b.find(path); it != b.end() && it->second == value) same.push_back(path);
  return same;
}

/// The settings (dotted key paths) of a --print-config text that a sample config file does not
/// state: a sample meant to list every key with its default should have none.
inline std::vector<std::string> settings_missing_from(const std::string& printed, const std::string& sample_file) {
  std::map<std::string, std::string> all, stated;
  detail::collect_settings(YAML::Load(printed), "", all);
  detail::collect_settings(YAML::LoadFile(sample_file), "", stated);
  std::vector<std::string> missing;
  for (const auto& [path, value] : all)
    if (!stated.contains(path)) missing.push_back(path);
  return missing;
}

/// What parsing and validating `yaml` as a Config throws (config_error's message); "" when valid.
template <class Config>
std::string config_error_of(const std::string& yaml) {
  try {
    Config::parse(yaml).validate();
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace df::test
