#pragma once
// A heap byte buffer that is not zero-filled on allocation (pieces are overwritten at once), with
// the storage of large buffers recycled.

#include <cstddef>
#include <memory>
#include <span>

namespace df {

/// Owns `size` bytes of uninitialised memory; move-only. Used for pieces in flight. Storage of
/// buffers of at least buffer_pool_min_size bytes goes back to a small pool when the buffer dies
/// and is reused by the next buffer of the same size: a daemon allocates and frees one such
/// buffer per piece, and memory fresh from the kernel costs a page fault and zeroing per page.
class byte_buffer {
 public:
  byte_buffer() = default;
  explicit byte_buffer(std::size_t size);
  /// A moved-from buffer is empty (size 0, no data), never a size without storage.
  byte_buffer(byte_buffer&& other) noexcept;
  byte_buffer& operator=(byte_buffer&& other) noexcept;
  ~byte_buffer();

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  /// Shrinks the visible size (the last piece of a body may be short); never grows.
  void shrink(std::size_t size) { size_ = size < size_ ? size : size_; }
  operator std::span<const std::byte>() const { return {data_.get(), size_}; }
  std::span<std::byte> span() { return {data_.get(), size_}; }

 private:
  void release();
  std::unique_ptr<std::byte[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // the size it was allocated with (its pool size class)
};

/// Buffers at least this big are pooled.
inline constexpr std::size_t buffer_pool_min_size = 64 * 1024;
/// At most this many bytes wait in the pool; beyond it, freed storage goes back to the system.
inline constexpr std::size_t buffer_pool_max_bytes = 64u << 20;
/// Bytes waiting in the pool now (for tests).
std::size_t buffer_pool_bytes();
/// Frees every storage waiting in the pool, so that a test starts from an empty pool whatever
/// ran before it in the process.
void buffer_pool_clear();

}  // namespace df
