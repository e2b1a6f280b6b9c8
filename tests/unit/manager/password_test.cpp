// Console passwords: scrypt round trips, a wrong or tampered hash never matches, the policy.
#include "manager/password.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

constexpr scrypt_cost cheap{1024, 8, 1};  // fast for tests; the format keeps the cost

TEST(password, hashes_verify_and_salts_differ) {
  const auto a = hash_password("correct horse battery", cheap);
  const auto b = hash_password("correct horse battery", cheap);
  EXPECT_NE(a, b);  // a random salt each time
  EXPECT_EQ(a.rfind("scrypt$1024$8$1$", 0), 0u) << a;
  EXPECT_TRUE(verify_password("correct horse battery", a));
  EXPECT_TRUE(verify_password("correct horse battery", b));
  EXPECT_FALSE(verify_password("correct horse batterx", a));
  EXPECT_FALSE(verify_password("", a));
}

TEST(password, the_default_cost_is_in_the_stored_form) {
  const auto h = hash_password("a long enough password");
  EXPECT_EQ(h.rfind("scrypt$16384$8$1$", 0), 0u) << h;
  EXPECT_TRUE(verify_password("a long enough password", h));
}

TEST(password, malformed_or_hostile_stored_forms_never_match) {
  const auto good = hash_password("correct horse battery", cheap);
  const auto tail = good.substr(good.find('$', 16));
  const std::string bad[] = {
      "",
      "plain",
      "scrypt$1024$8$1$00",
      "bcrypt" + good.substr(6),
      "scrypt$1000$8$1" + tail,          // N not a power of two
      "scrypt$2097152$8$1" + tail,       // N over 2^20: too much memory
      "scrypt$1024$0$1" + tail,
      "scrypt$1024$8$17" + tail,
      "scrypt$1024$8$1$zz$00",
      good + "$extra",
      good.substr(0, good.size() - 2),  // a shorter hash
  };
  for (const auto& s : bad) EXPECT_FALSE(verify_password("correct horse battery", s)) << s;
  // A flipped bit in the hash.
  auto flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(verify_password("correct horse battery", flipped));
  EXPECT_FALSE(verify_password(std::string(max_password_size + 1, 'x'), good));
}

TEST(password, policy) {
  EXPECT_TRUE(password_policy_violation("short"));
  EXPECT_TRUE(password_policy_violation("elevenchars"));
  EXPECT_FALSE(password_policy_violation("twelve chars"));
  EXPECT_FALSE(password_policy_violation(std::string(max_password_size, 'x')));
  EXPECT_TRUE(password_policy_violation(std::string(max_password_size + 1, 'x')));
}

}  // namespace
}  // namespace df::manager
