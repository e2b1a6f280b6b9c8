#pragma once
// Reads one JSON object field by field with types checked, then refuses the fields nobody read.

#include "manager/api_error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace df::manager {

/// Longest string field accepted, and most items in an array field.
inline constexpr std::size_t max_field_length = 1024;
inline constexpr std::size_t max_array_items = 256;

/// A strict view of one JSON object; `where` prefixes field names in errors ("scopes.").
class json_reader {
 public:
  json_reader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) throw api_error(400, "wrong_type", name("") + "must be an object");
  }

  /// Reads `key` into `out` when present (null counts as absent); a wrong type is an api_error.
  template <class T>
  bool read(const char* key, T& out) {
    seen_.insert(key);
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return false;
    out = convert<T>(*it, name(key));
    return true;
  }
  /// The nested object at `key`, or nullptr when absent.
  const nlohmann::json* object(const char* key) {
    seen_.insert(key);
    const auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  /// Throws for the first field that no read() asked for.
  void finish() const {
    for (const auto& [key, value] : j_.items())
      if (!seen_.count(key)) throw api_error(400, "unknown_field", name(key) + ": unknown field");
  }
  std::string name(const std::string& key) const { return where_ + key; }

 private:
  template <class T>
  static T convert(const nlohmann::json& v, const std::string& field) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) throw api_error(400, "wrong_type", field + ": must be true or false");
      return v.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) throw api_error(400, "wrong_type", field + ": must be an integer");
      if (v.is_number_unsigned()) {
        // Both databases store 64-bit signed integers: nothing past 2^63 - 1.
        constexpr auto limit = std::min<std::uint64_t>(static_cast<std::uint64_t>(std::numeric_limits<T>::max()),
                                                       static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
        const auto u = v.get<std::uint64_t>();
        if (u > limit) throw invalid_value(field, "out of range");
        return static_cast<T>(u);
      }
      const auto s = v.get<std::int64_t>();
      if (s < 0 && std::is_unsigned_v<T>) throw invalid_value(field, "must not be negative");
      if (s < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (s > 0 && static_cast<std::uint64_t>(s) > static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
        throw invalid_value(field, "out of range");
      return static_cast<T>(s);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) throw api_error(400, "wrong_type", field + ": must be a string");
      auto s = v.get<std::string>();
      if (s.size() > max_field_length) throw invalid_value(field, "longer than " + std::to_string(max_field_length));
      // Control characters have no place in these fields (and PostgreSQL refuses NUL in text).
      for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          throw invalid_value(field, "control characters are not allowed");
      return s;
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>);
      if (!v.is_array()) throw api_error(400, "wrong_type", field + ": must be an array of strings");
      if (v.size() > max_array_items) throw invalid_value(field, "more than " + std::to_string(max_array_items) + " items");
      std::vector<std::string> out;
      for (std::size_t i = 0; i < v.size(); ++i) out.push_back(convert<std::string>(v[i], field + "[" + std::to_string(i) + "]"));
      return out;
    }
  }

  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace df::manager
