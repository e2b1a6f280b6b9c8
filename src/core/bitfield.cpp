#include "core/bitfield.hpp"

namespace df {

bool bitfield::set(piece_index i) {
  if (i.value() >= bits_.size()) bits_.resize(std::size_t{i.value()} + 1, false);  // no 32-bit wrap
  if (bits_[i.value()]) return false;
  bits_[i.value()] = true;
  ++count_;
  return true;
}

void bitfield::resize(std::uint32_t size) {
  for (std::size_t i = size; i < bits_.size(); ++i) count_ -= bits_[i] ? 1 : 0;
  bits_.resize(size, false);
}

bool bitfield::reset(piece_index i) {
  if (i.value() >= bits_.size() || !bits_[i.value()]) return false;
  bits_[i.value()] = false;
  --count_;
  return true;
}

std::string bitfield::to_hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  const std::size_t bytes = (bits_.size() + 7) / 8;
  out.reserve(bytes * 2);
  for (std::size_t b = 0; b < bytes; ++b) {
    unsigned v = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      const std::size_t i = b * 8 + k;
      if (i < bits_.size() && bits_[i]) v |= 0x80u >> k;
    }
    out.push_back(digits[v >> 4]);
    out.push_back(digits[v & 0xf]);
  }
  return out;
}

bool bitfield::from_hex(std::string_view hex, std::uint32_t size, bitfield& out) {
  if (hex.size() != ((static_cast<std::size_t>(size) + 7) / 8) * 2) return false;
  bitfield result(size);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t b = 0; b * 2 < hex.size(); ++b) {
    const int hi = nibble(hex[b * 2]), lo = nibble(hex[b * 2 + 1]);
    if (hi < 0 || lo < 0) return false;
    const unsigned v = static_cast<unsigned>(hi << 4 | lo);
    for (std::size_t k = 0; k < 8; ++k) {
      if (!(v & (0x80u >> k))) continue;
      const std::size_t i = b * 8 + k;
      if (i >= size) return false;  // bits past the end must be zero
      result.set(piece_index(static_cast<std::uint32_t>(i)));
    }
  }
  out = std::move(result);
  return true;
}

}  // namespace df
