#pragma once
// A heap byte buffer that is not zero-filled on allocation (pieces are overwritten at once).

#include <cstddef>
#include <memory>
#include <span>

namespace df {

/// Owns `size` bytes of uninitialised memory; move-only. Used for pieces in flight.
class byte_buffer {
 public:
  byte_buffer() = default;
  explicit byte_buffer(std::size_t size) : data_(new std::byte[size]), size_(size) {}

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  /// Shrinks the visible size (the last piece of a body may be short); never grows.
  void shrink(std::size_t size) { size_ = size < size_ ? size : size_; }
  operator std::span<const std::byte>() const { return {data_.get(), size_}; }
  std::span<std::byte> span() { return {data_.get(), size_}; }

 private:
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0;
};

}  // namespace df
