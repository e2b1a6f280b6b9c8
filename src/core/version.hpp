#pragma once
// What every binary answers to --version: the project's version and the source
// revision it was built from (`git describe`, "-dirty" when the tree had
// changes; "unknown" outside a checkout).

#include <string>
#include <string_view>

namespace df {

/// The project version from CMakeLists.txt ("0.1.0").
std::string_view project_version();
/// The source revision of this build ("v0.1.0-12-g1234567890ab",
/// "1234567890ab-dirty", "unknown").
std::string_view source_revision();
/// "<program> <version> (revision <revision>)", the --version line.
std::string version_line(std::string_view program);

} // namespace df
