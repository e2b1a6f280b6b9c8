#pragma once
// A fixed-size set of piece numbers: which pieces a peer holds.

#include "core/strong_int.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace df {

/// Which pieces of a task are held; sized to the task's piece count, can grow when the size is learnt.
class bitfield {
 public:
  bitfield() = default;
  explicit bitfield(std::uint32_t size) : bits_(size, false) {}

  std::uint32_t size() const { return static_cast<std::uint32_t>(bits_.size()); }
  std::uint32_t count() const { return count_; }
  bool all() const { return count_ == bits_.size(); }
  bool none() const { return count_ == 0; }
  bool has(piece_index i) const { return i.value() < bits_.size() && bits_[i.value()]; }
  /// Marks piece i; grows the set when i is past its end. Returns false when it was already set.
  bool set(piece_index i);
  /// Clears piece i; returns false when it was not set.
  bool reset(piece_index i);
  /// Grows (new pieces unset) or shrinks (pieces past the new end are forgotten).
  void resize(std::uint32_t size);

  /// Hex string, most significant bit of each byte first (as BitTorrent does).
  std::string to_hex() const;
  /// Parses to_hex's form for a set of `size` pieces; false when malformed.
  static bool from_hex(std::string_view hex, std::uint32_t size, bitfield& out);

 private:
  std::vector<bool> bits_;
  std::uint32_t count_ = 0;
};

}  // namespace df
