#include "core/token_file.hpp"

#include "core/yaml_config.hpp"

#include <fstream>

namespace df {

std::string read_token_file(const std::string& path, const std::string& key, std::size_t max_size) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw config_error(key + " " + path + " cannot be read");
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
  if (line.empty() || line.size() > max_size)
    throw config_error(key + " " + path + " holds no token (or one over " + std::to_string(max_size) + " characters)");
  return line;
}

}  // namespace df
