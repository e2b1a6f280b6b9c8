#include "core/byte_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace df {
namespace {

TEST(byte_buffer, large_storage_is_reused_by_the_next_buffer_of_its_size) {
  const std::size_t size = 256 * 1024;
  const std::size_t before = buffer_pool_bytes();
  const std::byte* first = nullptr;
  {
    byte_buffer b(size);
    first = b.data();
    b.shrink(10);  // a short last piece still returns its whole storage
  }
  EXPECT_EQ(buffer_pool_bytes(), before + size);
  byte_buffer again(size);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(again.size(), size);
  EXPECT_EQ(buffer_pool_bytes(), before);
}

TEST(byte_buffer, small_buffers_and_moved_from_buffers_are_not_pooled) {
  const std::size_t before = buffer_pool_bytes();
  { byte_buffer small(100); }
  EXPECT_EQ(buffer_pool_bytes(), before);
  byte_buffer a(128 * 1024);
  byte_buffer b = std::move(a);
  { byte_buffer gone = std::move(b); }
  EXPECT_EQ(buffer_pool_bytes(), before + 128 * 1024);  // returned once, by its last owner
  a = byte_buffer(128 * 1024);  // takes it back out
  EXPECT_EQ(buffer_pool_bytes(), before);
}

TEST(byte_buffer, the_pool_is_bounded) {
  const std::size_t size = 8u << 20;
  std::vector<byte_buffer> many;
  for (std::size_t i = 0; i < 2 * buffer_pool_max_bytes / size; ++i) many.emplace_back(size);
  many.clear();
  EXPECT_LE(buffer_pool_bytes(), buffer_pool_max_bytes);
}

}  // namespace
}  // namespace df
