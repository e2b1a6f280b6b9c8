// Serials as the revocation list keeps them (the signed CRL itself is checked with openssl in
// integration_manager_tls).
#include "manager/revocation_list.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

TEST(revocation_list, serials_are_kept_as_openssl_prints_them) {
  EXPECT_EQ(canonical_serial("1000"), "1000");
  EXPECT_EQ(canonical_serial("0a1b"), "0A1B");
  EXPECT_EQ(canonical_serial("00A1B"), "0A1B");
  EXPECT_EQ(canonical_serial("abc"), "0ABC");
  EXPECT_EQ(canonical_serial("0"), "00");
  EXPECT_EQ(canonical_serial(std::string(40, 'f')), std::string(40, 'F'));
  EXPECT_EQ(canonical_serial(""), "");
  EXPECT_EQ(canonical_serial(std::string(41, '1')), "");
  EXPECT_EQ(canonical_serial("12 34"), "");
  EXPECT_EQ(canonical_serial("-12"), "");
  EXPECT_EQ(canonical_serial("0x12"), "");
}

}  // namespace
}  // namespace df::manager
