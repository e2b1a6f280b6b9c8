#include "core/byte_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace df {
namespace {

// The pool is process-wide: every test starts from an empty one, whatever ran before it.
class byte_buffer_test : public ::testing::Test {
 protected:
  void SetUp() override { buffer_pool_clear(); }
  void TearDown() override { buffer_pool_clear(); }
};

TEST_F(byte_buffer_test, large_storage_is_reused_by_the_next_buffer_of_its_size) {
  const std::size_t size = 256 * 1024;
  const std::byte* first = nullptr;
  {
    byte_buffer b(size);
    first = b.data();
    b.shrink(10);  // a short last piece still returns its whole storage
  }
  EXPECT_EQ(buffer_pool_bytes(), size);
  byte_buffer again(size);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(again.size(), size);
  EXPECT_EQ(buffer_pool_bytes(), 0u);
}

TEST_F(byte_buffer_test, storage_of_another_size_is_not_reused) {
  { byte_buffer b(256 * 1024); }
  byte_buffer other(128 * 1024);
  EXPECT_EQ(buffer_pool_bytes(), 256u * 1024);
}

TEST_F(byte_buffer_test, small_buffers_and_moved_from_buffers_are_not_pooled) {
  { byte_buffer small(100); }
  EXPECT_EQ(buffer_pool_bytes(), 0u);
  byte_buffer a(128 * 1024);
  byte_buffer b = std::move(a);
  { byte_buffer gone = std::move(b); }
  EXPECT_EQ(buffer_pool_bytes(), 128u * 1024);  // returned once, by its last owner
  a = byte_buffer(128 * 1024);  // takes it back out
  EXPECT_EQ(buffer_pool_bytes(), 0u);
}

TEST_F(byte_buffer_test, a_moved_from_buffer_is_empty) {
  byte_buffer a(256 * 1024);
  byte_buffer b(std::move(a));
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): what is left behind is the point
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_TRUE(a.span().empty());
  EXPECT_EQ(b.size(), 256u * 1024);
  byte_buffer c;
  c = std::move(b);
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.size(), 256u * 1024);
}

TEST_F(byte_buffer_test, the_pool_is_bounded) {
  const std::size_t size = 8u << 20;
  std::vector<byte_buffer> many;
  for (std::size_t i = 0; i < 2 * buffer_pool_max_bytes / size; ++i) many.emplace_back(size);
  many.clear();
  // Exactly as many as fit are kept; the rest went back to the system.
  EXPECT_EQ(buffer_pool_bytes(), buffer_pool_max_bytes);
}

TEST_F(byte_buffer_test, clearing_empties_the_pool) {
  { byte_buffer b(256 * 1024); }
  ASSERT_EQ(buffer_pool_bytes(), 256u * 1024);
  buffer_pool_clear();
  EXPECT_EQ(buffer_pool_bytes(), 0u);
}

}  // namespace
}  // namespace df
