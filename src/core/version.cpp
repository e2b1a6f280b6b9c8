#include "core/version.hpp"

namespace df {

std::string version_line(std::string_view program) {
  std::string line(program);
  line += ' ';
  line += project_version();
  line += " (revision ";
  line += source_revision();
  line += ')';
  return line;
}

} // namespace df
