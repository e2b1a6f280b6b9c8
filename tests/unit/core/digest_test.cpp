#include "core/digest.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

TEST(digest, sha256_known_vectors) {
  EXPECT_EQ(sha256_hex(std::string_view("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(digest, incremental_equals_one_shot) {
  sha256_hasher h;
  h.update(std::string_view("ab"));
  h.update(std::string_view("c"));
  EXPECT_EQ(h.final_hex(), sha256_hex(std::string_view("abc")));
  h.update(std::string_view(""));  // reusable after final
  EXPECT_EQ(h.final_hex(), sha256_hex(std::string_view("")));
}

TEST(digest, parse_accepts_sha256_and_lowers_case) {
  const std::string hex(64, 'A');
  auto d = parse_digest("sha256:" + hex);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->algorithm, "sha256");
  EXPECT_EQ(d->hex, std::string(64, 'a'));
  EXPECT_EQ(d->to_string(), "sha256:" + std::string(64, 'a'));
}

TEST(digest, parse_rejects_malformed) {
  EXPECT_FALSE(parse_digest("sha256"));
  EXPECT_FALSE(parse_digest("md5:" + std::string(32, 'a')));
  EXPECT_FALSE(parse_digest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(parse_digest("sha256:" + std::string(63, 'a') + "g"));
}

}  // namespace
}  // namespace df
