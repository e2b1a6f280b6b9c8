// Serials as the revocation list keeps them (the signed CRL itself is checked with openssl in
// integration_manager_tls).
#include "manager/revocation_list.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

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

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(revocation_list, a_revocation_whose_crl_file_cannot_be_written_holds_on_disk_and_in_memory) {
  test::temp_dir dir;
  const std::string cert = (dir.path() / "ca.pem").string(), key = (dir.path() / "ca.key").string();
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + key +
                          " -out " + cert +
                          " -days 2 -subj /CN=crl-test-ca -addext basicConstraints=critical,CA:TRUE "
                          "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string why;
  auto ca = certificate_issuer::load(cert, key, std::chrono::hours(1), why);
  ASSERT_TRUE(ca) << why;
  const auto state = dir.path() / "state";
  std::filesystem::create_directories(state);
  revocation_list list(state.string(), **ca);
  ASSERT_TRUE(list.open(why)) << why;
  const auto first = list.crl_number();

  // crl.pem cannot be replaced (a non-empty directory stands in its way).
  std::filesystem::remove(list.crl_path());
  std::filesystem::create_directories(std::filesystem::path(list.crl_path()) / "x");
  EXPECT_FALSE(list.revoke({"0A"}, why));
  EXPECT_NE(why.find("crl.pem"), std::string::npos) << why;
  // `revoked` is the record: it has the serial, and so does the CRL served from memory.
  EXPECT_NE(read_text(state / "revoked").find("0A "), std::string::npos);
  EXPECT_GT(list.crl_number(), first);

  std::filesystem::remove_all(list.crl_path());
  revocation_list reopened(state.string(), **ca);
  ASSERT_TRUE(reopened.open(why)) << why;
  EXPECT_TRUE(reopened.revoke({"0B"}, why)) << why;  // after a restart the earlier one is still there
  const std::string revoked = read_text(state / "revoked");
  EXPECT_NE(revoked.find("0A "), std::string::npos) << revoked;
  EXPECT_NE(revoked.find("0B "), std::string::npos) << revoked;
}

}  // namespace
}  // namespace df::manager
