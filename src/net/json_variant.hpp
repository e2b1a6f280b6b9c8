#pragma once
// Decoding a JSON object into one alternative of a std::variant, chosen by its "type" name.
// Included only by the .cpp files that define a protocol's messages.

#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <string_view>
#include <variant>

namespace df::net {

/// Decodes `j` as the alternative of Variant whose name (same index in `names`) equals `type`.
template <class Variant, std::size_t I = 0, std::size_t N>
result<Variant> decode_variant(const std::string_view (&names)[N], std::string_view type, const nlohmann::json& j) {
  static_assert(N == std::variant_size_v<Variant>);
  if constexpr (I == N) {
    return errc::malformed_message;
  } else {
    if (type != names[I]) return decode_variant<Variant, I + 1>(names, type, j);
    return Variant(std::in_place_index<I>, j.get<std::variant_alternative_t<I, Variant>>());
  }
}

/// Parses the text, finds "type" and decodes the matching alternative; every failure is an error value.
template <class Variant, std::size_t N>
result<Variant> decode_typed_json(const std::string_view (&names)[N], std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return errc::malformed_message;
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return errc::malformed_message;
  try {
    return decode_variant<Variant>(names, type->template get<std::string>(), j);
  } catch (const nlohmann::json::exception&) {
    return errc::malformed_message;
  }
}

/// The JSON text of a variant's current alternative with its "type" name added.
template <class Variant, std::size_t N>
std::string encode_typed_json(const std::string_view (&names)[N], const Variant& v) {
  nlohmann::json j;
  std::visit([&](const auto& alt) { j = alt; }, v);
  j["type"] = names[v.index()];
  return j.dump();
}

}  // namespace df::net
