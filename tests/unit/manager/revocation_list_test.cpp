// Serials as the revocation list keeps them, and the list over the database (the signed CRL itself
// is checked with openssl in integration_manager_tls; two replicas in integration_enrollment_tokens).
#include "manager/revocation_list.hpp"

#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"
#include "test_ca.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <ctime>
#include <fstream>

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

class revocation_list_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = test_ca::make(dir.path());
    ASSERT_TRUE(ca);
    std::filesystem::create_directories(state);
  }
  std::unique_ptr<store> open_store() { return make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000)); }

  test::temp_dir dir;
  std::unique_ptr<certificate_issuer> ca;
  std::filesystem::path state = dir.path() / "state";
};

TEST_F(revocation_list_test, a_revocation_whose_crl_file_cannot_be_written_holds_in_the_database) {
  const auto db = open_store();
  revocation_list list(state.string(), *ca, db->enrollment());
  std::string why;
  ASSERT_TRUE(list.open(why)) << why;
  const auto first = list.crl_number();

  // crl.pem cannot be replaced (a non-empty directory stands in its way).
  std::filesystem::remove(list.crl_path());
  std::filesystem::create_directories(std::filesystem::path(list.crl_path()) / "x");
  EXPECT_FALSE(list.revoke({"0A"}, why));
  EXPECT_NE(why.find("crl.pem"), std::string::npos) << why;
  EXPECT_EQ(db->enrollment().revoked_certificates()->size(), 1u);  // the record holds
  EXPECT_GT(list.crl_number(), first);                              // and the CRL served has it

  std::filesystem::remove_all(list.crl_path());
  revocation_list reopened(state.string(), *ca, db->enrollment());
  ASSERT_TRUE(reopened.open(why)) << why;
  EXPECT_TRUE(reopened.revoke({"0B"}, why)) << why;  // after a restart the earlier one is still there
  EXPECT_EQ(db->enrollment().revoked_certificates()->size(), 2u);
  EXPECT_GT(reopened.crl_number(), list.crl_number());
}

TEST_F(revocation_list_test, a_replica_signs_again_when_another_revoked) {
  const auto db1 = open_store(), db2 = open_store();
  revocation_list one(state.string(), *ca, db1->enrollment()), two((dir.path() / "two").string(), *ca, db2->enrollment());
  std::filesystem::create_directories(dir.path() / "two");
  std::string why;
  ASSERT_TRUE(one.open(why)) << why;
  ASSERT_TRUE(two.open(why)) << why;
  const auto before = two.crl_pem();
  const auto number = two.crl_number();
  ASSERT_TRUE(two.refresh(why)) << why;
  EXPECT_EQ(two.crl_pem(), before);  // nothing changed: not signed again
  ASSERT_TRUE(one.revoke({"0C"}, why)) << why;
  ASSERT_TRUE(two.refresh(why)) << why;
  EXPECT_NE(two.crl_pem(), before);
  EXPECT_GT(two.crl_number(), one.crl_number());  // numbered after every CRL any replica signed
  EXPECT_GT(one.crl_number(), number);
  EXPECT_EQ(test_ca::read_text(dir.path() / "two" / "crl.pem"), two.crl_pem());
}

TEST_F(revocation_list_test, the_files_of_earlier_versions_are_imported_once) {
  { std::ofstream(state / "revoked") << "0D 1700000000\n"; }
  { std::ofstream(state / "issued") << "0E peer node-9 " << (std::time(nullptr) + 3600) << "\n"; }
  const auto db = open_store();
  revocation_list list(state.string(), *ca, db->enrollment());
  std::string why;
  ASSERT_TRUE(list.open(why)) << why;
  const auto revoked = db->enrollment().revoked_certificates();
  ASSERT_EQ(revoked->size(), 1u);
  EXPECT_EQ(revoked->at(0).serial, "0D");
  EXPECT_EQ(revoked->at(0).revoked_at, 1700000000);
  EXPECT_EQ(*db->enrollment().issued_to("peer", "node-9"), std::vector<std::string>{"0E"});
  EXPECT_FALSE(std::filesystem::exists(state / "revoked"));
  EXPECT_TRUE(std::filesystem::exists(state / "revoked.imported"));
}

}  // namespace
}  // namespace df::manager
