#pragma once
// A strong integer type: an index or count that does not mix with other integers by accident.

#include <compare>
#include <cstdint>
#include <functional>

namespace df {

/// An integer of type T tagged with Tag, so piece_index and other indices cannot be swapped.
template <class Tag, class T>
class strong_int {
 public:
  constexpr strong_int() = default;
  constexpr explicit strong_int(T v) : value_(v) {}
  constexpr T value() const { return value_; }
  constexpr auto operator<=>(const strong_int&) const = default;
  constexpr strong_int& operator++() {
    ++value_;
    return *this;
  }

 private:
  T value_{};
};

struct piece_index_tag;
/// The number of a piece inside its task, from 0.
using piece_index = strong_int<piece_index_tag, std::uint32_t>;

}  // namespace df

template <class Tag, class T>
struct std::hash<df::strong_int<Tag, T>> {
  std::size_t operator()(df::strong_int<Tag, T> v) const noexcept { return std::hash<T>{}(v.value()); }
};
