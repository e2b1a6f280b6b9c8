#pragma once
// Test helper: compares plain structs field by field (recursively through nested structs and
// vectors of them), for types without an operator== of their own such as protocol messages.

#include <boost/pfr.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace df::test {

/// Paths of the leaf fields of two values, split into those that are equal and those that differ.
/// A path is the field numbers from the outside in, e.g. ".3.1" (the second field of the fourth).
struct field_diff {
  std::vector<std::string> same;
  std::vector<std::string> differ;
};

namespace detail {
template <class T>
constexpr bool is_struct = std::is_class_v<T> && std::is_aggregate_v<T>;
template <class T>
constexpr bool is_vector_of_structs = false;
template <class T, class A>
constexpr bool is_vector_of_structs<std::vector<T, A>> = is_struct<T>;

template <class T>
void compare(const T& a, const T& b, const std::string& path, field_diff& out) {
  if constexpr (is_struct<T>) {
    boost::pfr::for_each_field(a, [&](const auto& field, auto i) {
      compare(field, boost::pfr::get<decltype(i)::value>(b), path + "." + std::to_string(i), out);
    });
  } else if constexpr (is_vector_of_structs<T>) {
    if (a.size() != b.size() || a.empty()) {
      (a.size() == b.size() ? out.same : out.differ).push_back(path);
      return;
    }
    for (std::size_t k = 0; k < a.size(); ++k) compare(a[k], b[k], path + "[" + std::to_string(k) + "]", out);
  } else {
    (a == b ? out.same : out.differ).push_back(path);
  }
}
}  // namespace detail

/// Field-by-field comparison of `a` and `b`.
template <class T>
field_diff compare_fields(const T& a, const T& b) {
  field_diff d;
  detail::compare(a, b, "", d);
  return d;
}

/// The paths of the fields of `v` still at their default (a sample meant to set every field
/// should have none).
template <class T>
std::vector<std::string> fields_at_default(const T& v) {
  return compare_fields(v, T{}).same;
}

}  // namespace df::test
