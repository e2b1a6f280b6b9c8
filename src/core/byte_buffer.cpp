#include "core/byte_buffer.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

namespace df {

namespace {

// Free storage by exact size; pieces of one task share a size, so a few classes cover a daemon.
struct pool {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<std::unique_ptr<std::byte[]>>> free;
  std::size_t bytes = 0;
};

pool& the_pool() {
  static pool* p = new pool;  // never destroyed: buffers may die during static destruction
  return *p;
}

std::unique_ptr<std::byte[]> take(std::size_t size) {
  if (size >= buffer_pool_min_size) {
    pool& p = the_pool();
    const std::lock_guard lock(p.mutex);
    if (auto it = p.free.find(size); it != p.free.end() && !it->second.empty()) {
      auto storage = std::move(it->second.back());
      it->second.pop_back();
      p.bytes -= size;
      return storage;
    }
  }
  return std::unique_ptr<std::byte[]>(new std::byte[size]);
}

}  // namespace

byte_buffer::byte_buffer(std::size_t size) : data_(take(size)), size_(size), capacity_(size) {}

byte_buffer::byte_buffer(byte_buffer&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
  other.size_ = other.capacity_ = 0;
}

byte_buffer& byte_buffer::operator=(byte_buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

byte_buffer::~byte_buffer() { release(); }

void byte_buffer::release() {
  if (!data_ || capacity_ < buffer_pool_min_size) return;
  pool& p = the_pool();
  const std::lock_guard lock(p.mutex);
  if (p.bytes + capacity_ > buffer_pool_max_bytes) return;  // data_ frees it
  p.free[capacity_].push_back(std::move(data_));
  p.bytes += capacity_;
}

std::size_t buffer_pool_bytes() {
  pool& p = the_pool();
  const std::lock_guard lock(p.mutex);
  return p.bytes;
}

void buffer_pool_clear() {
  pool& p = the_pool();
  const std::lock_guard lock(p.mutex);
  p.free.clear();
  p.bytes = 0;
}

}  // namespace df
