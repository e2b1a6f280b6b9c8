// The enrollment tables (migration 6) on both backends: tokens and their uses, issued and revoked
// certificates, and the CRL state replicas share.
#include "manager/enrollment_store.hpp"
#include "store_fixture.hpp"

#include <algorithm>

namespace df::manager {
namespace {

class enrollment_store_test : public store_fixture {
 protected:
  enrollment_token token(const std::string& name, std::int64_t max_uses, std::int64_t expires_at = 10'000) {
    enrollment_token t;
    t.name = name;
    t.role = "scheduler";
    t.scheduler_cluster_id = db->default_scheduler_cluster()->id;
    t.expires_at = expires_at;
    t.max_uses = max_uses;
    t.token_hash = "hash-of-" + name;
    return t;
  }
  static issued_record cert(const std::string& serial, const std::string& name, std::int64_t cluster = 0) {
    return {serial, "peer", name, cluster, 5'000, 1};
  }
};

TEST_P(enrollment_store_test, a_token_is_usable_until_it_expires_or_is_used_up) {
  auto& e = db->enrollment();
  const auto created = e.create_enrollment_token(token("twice", 2), 100);
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(created->created_at, 100);
  EXPECT_EQ(created->uses, 0);
  EXPECT_EQ(e.create_enrollment_token(token("twice", 2), 100).error(), store_errc::conflict);
  const auto found = e.find_enrollment_token("hash-of-twice", 200);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->scheduler_cluster_id, db->default_scheduler_cluster()->id);
  EXPECT_EQ(e.find_enrollment_token("hash-of-twice", 10'000).error(), store_errc::not_found);  // expired
  EXPECT_EQ(e.find_enrollment_token("hash-of-other", 200).error(), store_errc::not_found);

  ASSERT_TRUE(e.redeem_enrollment_token(created->id, 200, cert("0A", "a", created->scheduler_cluster_id)));
  ASSERT_TRUE(e.redeem_enrollment_token(created->id, 200, cert("0B", "b", created->scheduler_cluster_id)));
  // Used up: refused, and the certificate is not recorded.
  EXPECT_EQ(e.redeem_enrollment_token(created->id, 200, cert("0C", "c")).error(), store_errc::not_found);
  EXPECT_EQ(e.get_issued("0C").error(), store_errc::not_found);
  EXPECT_EQ(e.find_enrollment_token("hash-of-twice", 200).error(), store_errc::not_found);
  EXPECT_EQ(e.get_enrollment_token(created->id)->uses, 2);
  EXPECT_EQ(e.get_issued("0B")->scheduler_cluster_id, created->scheduler_cluster_id);

  const auto unlimited = e.create_enrollment_token(token("unlimited", 0), 100);
  ASSERT_TRUE(unlimited);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(e.redeem_enrollment_token(unlimited->id, 200, cert("1" + std::to_string(i), "u")));
  EXPECT_EQ(e.redeem_enrollment_token(unlimited->id, 10'000, cert("20", "u")).error(), store_errc::not_found);
  EXPECT_EQ(e.list_enrollment_tokens({})->total, 2u);
  ASSERT_TRUE(e.delete_enrollment_token(unlimited->id));
  EXPECT_EQ(e.redeem_enrollment_token(unlimited->id, 200, cert("21", "u")).error(), store_errc::not_found);
  EXPECT_EQ(e.delete_enrollment_token(unlimited->id).error(), store_errc::not_found);
}

TEST_P(enrollment_store_test, a_token_belongs_to_a_cluster_that_exists_and_goes_with_it) {
  auto& e = db->enrollment();
  auto orphan = token("orphan", 0);
  orphan.scheduler_cluster_id = 999;
  EXPECT_EQ(e.create_enrollment_token(orphan, 1).error(), store_errc::not_found);
  const auto c = db->create_scheduler_cluster(named("idc-b"), 1);
  ASSERT_TRUE(c);
  auto bound = token("bound", 0);
  bound.scheduler_cluster_id = c->id;
  const auto t = e.create_enrollment_token(bound, 1);
  ASSERT_TRUE(t);
  ASSERT_TRUE(db->delete_scheduler_cluster(c->id));
  EXPECT_EQ(e.get_enrollment_token(t->id).error(), store_errc::not_found);
}

TEST_P(enrollment_store_test, issued_certificates_are_found_by_serial_and_name_until_they_expire) {
  auto& e = db->enrollment();
  ASSERT_TRUE(e.record_issued(cert("0A", "node-1")));
  auto scheduler = cert("0B", "node-1", 1);
  scheduler.role = "scheduler";
  ASSERT_TRUE(e.record_issued(scheduler));
  ASSERT_TRUE(e.record_issued(cert("0C", "node-2")));
  EXPECT_EQ(e.get_issued("0B")->role, "scheduler");
  EXPECT_EQ(e.issued_to("", "node-1")->size(), 2u);
  EXPECT_EQ(*e.issued_to("scheduler", "node-1"), std::vector<std::string>{"0B"});
  EXPECT_TRUE(e.issued_to("", "node-3")->empty());
  ASSERT_TRUE(e.drop_expired_issued(5'001));
  EXPECT_EQ(e.get_issued("0A").error(), store_errc::not_found);
}

TEST_P(enrollment_store_test, a_revocation_on_one_replica_is_seen_by_another) {
  auto& e = db->enrollment();
  const auto replica = make_sql_store(connect());
  auto& other = replica->enrollment();
  const auto before = other.revocation_revision();
  ASSERT_TRUE(before);
  ASSERT_TRUE(e.revoke({"0A", "0B"}, 50));
  ASSERT_TRUE(e.revoke({"0B", "0C"}, 60));  // 0B keeps its first time
  EXPECT_EQ(*other.revocation_revision(), *before + 2);
  const auto revoked = other.revoked_certificates();
  ASSERT_TRUE(revoked);
  ASSERT_EQ(revoked->size(), 3u);
  const auto b = std::find_if(revoked->begin(), revoked->end(), [](const auto& r) { return r.serial == "0B"; });
  ASSERT_NE(b, revoked->end());
  EXPECT_EQ(b->revoked_at, 50);
}

TEST_P(enrollment_store_test, crl_numbers_only_grow_across_replicas) {
  const auto replica = make_sql_store(connect());
  const auto first = db->enrollment().next_crl_number(1000);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 1000);
  EXPECT_EQ(*replica->enrollment().next_crl_number(10), 1001);  // a clock behind cannot go back
  EXPECT_EQ(*db->enrollment().next_crl_number(5000), 5000);
}

INSTANTIATE_TEST_SUITE_P(backends, enrollment_store_test, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace df::manager
