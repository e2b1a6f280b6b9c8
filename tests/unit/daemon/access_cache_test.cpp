#include "daemon/access_cache.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

using namespace std::chrono_literals;
using steady = access_cache::clock;

const std::string blob_url = "http://registry.local:5000/v2/alpha/app/blobs/sha256:" + std::string(64, 'a');

net::header_map with_auth(const std::string& value) { return {{"Authorization", value}}; }

TEST(access_cache, a_yes_holds_for_the_ttl_and_no_longer) {
  access_cache cache(60s);
  const auto t0 = steady::time_point{} + 1h;
  const auto alice = credential_fingerprint(with_auth("Basic YWxpY2U6cHc="), blob_url);
  EXPECT_FALSE(cache.allowed(alice, blob_url, t0));
  cache.remember(alice, blob_url, t0);
  EXPECT_TRUE(cache.allowed(alice, blob_url, t0 + 59s));
  EXPECT_FALSE(cache.allowed(alice, blob_url, t0 + 60s));  // revocation takes effect within the TTL
  EXPECT_EQ(cache.size(), 0u);
}

TEST(access_cache, a_yes_is_for_that_credential_and_that_url_only) {
  access_cache cache(60s);
  const auto t0 = steady::time_point{} + 1h;
  const auto alice = credential_fingerprint(with_auth("Basic YWxpY2U6cHc="), blob_url);
  cache.remember(alice, blob_url, t0);
  EXPECT_FALSE(cache.allowed(credential_fingerprint(with_auth("Basic Ym9iOnB3"), blob_url), blob_url, t0));
  EXPECT_FALSE(cache.allowed(credential_fingerprint({}, blob_url), blob_url, t0));
  const std::string other_repo = "http://registry.local:5000/v2/beta/app/blobs/sha256:" + std::string(64, 'a');
  EXPECT_FALSE(cache.allowed(alice, other_repo, t0));
  // Authorization and Cookie both count; a value moved from one to the other is another credential.
  EXPECT_NE(credential_fingerprint({{"Cookie", "s=1"}}, blob_url), credential_fingerprint({{"Authorization", "s=1"}}, blob_url));
  // Header names compare without case; headers other than credentials do not matter.
  EXPECT_EQ(credential_fingerprint({{"authorization", "x"}, {"User-Agent", "a"}}, blob_url),
            credential_fingerprint({{"Authorization", "x"}}, blob_url));
}

TEST(access_cache, userinfo_is_a_credential_and_never_part_of_the_key) {
  access_cache cache(60s);
  const auto t0 = steady::time_point{} + 1h;
  const std::string with_user = "http://alice:hunter2@files.local/private.bin";
  const auto fp = credential_fingerprint({}, with_user);
  EXPECT_NE(fp, credential_fingerprint({}, "http://files.local/private.bin"));
  cache.remember(fp, with_user, t0);
  EXPECT_TRUE(cache.allowed(fp, with_user, t0));
  for (const auto& key : cache.keys()) {
    EXPECT_EQ(key.find("hunter2"), std::string::npos) << key;
    EXPECT_EQ(key.find("alice"), std::string::npos) << key;
  }
}

TEST(access_cache, the_key_holds_a_hash_never_the_clear_secret) {
  access_cache cache(60s);
  const auto t0 = steady::time_point{} + 1h;
  const std::string token = "Bearer s3cr3t-t0ken-value";
  cache.remember(credential_fingerprint(with_auth(token), blob_url), blob_url, t0);
  cache.remember(credential_fingerprint({{"Cookie", "session=s3cr3t-cookie"}}, blob_url), blob_url, t0);
  ASSERT_EQ(cache.size(), 2u);
  for (const auto& key : cache.keys()) {
    EXPECT_EQ(key.find("s3cr3t"), std::string::npos) << key;
    EXPECT_EQ(key.find("Bearer"), std::string::npos) << key;
    EXPECT_EQ(key.substr(0, key.find(' ')).size(), 64u) << key;  // sha256 hex
  }
}

TEST(access_cache, beyond_capacity_the_oldest_goes_first) {
  access_cache cache(60s, 3);
  const auto t0 = steady::time_point{} + 1h;
  const auto fp = credential_fingerprint(with_auth("Basic x"), blob_url);
  for (int i = 0; i < 5; ++i) cache.remember(fp, blob_url + std::to_string(i), t0 + std::chrono::seconds(i));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.allowed(fp, blob_url + "0", t0 + 5s));
  EXPECT_FALSE(cache.allowed(fp, blob_url + "1", t0 + 5s));
  EXPECT_TRUE(cache.allowed(fp, blob_url + "4", t0 + 5s));
  // A renewed entry moves to the young end.
  cache.remember(fp, blob_url + "2", t0 + 6s);
  cache.remember(fp, blob_url + "5", t0 + 6s);
  EXPECT_TRUE(cache.allowed(fp, blob_url + "2", t0 + 6s));
  EXPECT_FALSE(cache.allowed(fp, blob_url + "3", t0 + 6s));
  EXPECT_EQ(cache.size(), 3u);
}

TEST(access_cache, a_zero_ttl_remembers_nothing) {
  access_cache cache(0ms);
  const auto t0 = steady::time_point{} + 1h;
  const auto fp = credential_fingerprint({}, blob_url);
  cache.remember(fp, blob_url, t0);
  EXPECT_FALSE(cache.allowed(fp, blob_url, t0));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(access_cache, credentials_are_seen_in_headers_of_any_case_and_in_userinfo) {
  EXPECT_FALSE(carries_credentials({{"Accept", "*/*"}}, "http://files.local/a", {}));
  EXPECT_TRUE(carries_credentials({{"authorization", "Basic x"}}, "http://files.local/a", {}));
  EXPECT_TRUE(carries_credentials({{"COOKIE", "s=1"}}, "http://files.local/a", {}));
  EXPECT_TRUE(carries_credentials({{"Proxy-Authorization", "Basic x"}}, "http://files.local/a", {}));
  EXPECT_TRUE(carries_credentials({}, "http://u:p@files.local/a", {}));
}

TEST(access_cache, query_parameters_the_task_id_leaves_out_are_credentials) {
  EXPECT_FALSE(carries_credentials({}, "http://files.local/a?v=1&ns=docker.io", {}));  // ns: not a secret
  EXPECT_TRUE(carries_credentials({}, "http://s3.local/a?X-Amz-Signature=ab&X-Amz-Date=1", {}));
  EXPECT_TRUE(carries_credentials({}, "http://oss.local/a?OSSAccessKeyId=k&Expires=1&Signature=s", {}));
  EXPECT_TRUE(carries_credentials({}, "http://files.local/a?v=1&token=t", {"token"}));
  EXPECT_FALSE(carries_credentials({}, "http://files.local/a?v=1#Signature=s", {}));  // a fragment is not sent
}

}  // namespace
}  // namespace df::daemon
