#pragma once

#include <string_view>
#include <vector>

namespace df {

// Splits text at every `sep`: "a|b" → {"a", "b"}, "" → {""}, "a|" → {"a", ""}. The views point into text.
std::vector<std::string_view> split_view(std::string_view text, char sep);

}  // namespace df
