#include "net/cert_mint.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <vector>

namespace df::net {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;

// A CA made with the openssl CLI, as an operator would make one.
struct test_ca {
  test::temp_dir dir;
  std::string cert = (dir.path() / "ca.pem").string(), key = (dir.path() / "ca.key").string();
  explicit test_ca(const std::string& key_type = "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
                   const std::string& extensions = "-addext basicConstraints=critical,CA:TRUE "
                                                   "-addext keyUsage=critical,keyCertSign") {
    const std::string cmd = "openssl req -x509 " + key_type + " -nodes -keyout " + key + " -out " + cert +
                            " -days 2 -subj /CN=hijack-test-ca " + extensions + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  cert_authority load() const {
    std::string why;
    auto ca = cert_authority::load(cert, key, why);
    EXPECT_TRUE(ca) << why;
    return *ca;
  }
};

// Does `leaf` chain to `ca` for a TLS server, at the current time?
bool verifies(const cert_authority& ca, const leaf_certificate& leaf) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.certificate());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

// The types of the leaf's subjectAltName entries (GEN_DNS, GEN_IPADD, ...), in order.
std::vector<int> alt_name_types(const leaf_certificate& leaf) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.cert.get(), NID_subject_alt_name, nullptr, nullptr));
  std::vector<int> types;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) types.push_back(sk_GENERAL_NAME_value(names, i)->type);
  GENERAL_NAMES_free(names);
  return types;
}

TEST(cert_mint, a_leaf_names_its_host_only_and_chains_to_the_ca) {
  const test_ca files;
  const auto ca = files.load();
  const auto now = clock::now();
  auto leaf = ca.mint("Registry.Example.test", 24h, now);
  ASSERT_TRUE(leaf);
  const X509* x = (*leaf)->cert.get();
  EXPECT_EQ(X509_check_host(const_cast<X509*>(x), "registry.example.test", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(const_cast<X509*>(x), "other.example.test", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(const_cast<X509*>(x), "evil.registry.example.test", 0, 0, nullptr), 1);
  EXPECT_EQ(alt_name_types(**leaf), std::vector<int>{GEN_DNS});
  EXPECT_TRUE(verifies(ca, **leaf));
  EXPECT_EQ(X509_check_ca(const_cast<X509*>(x)), 0) << "a minted leaf must not be a CA";
  EXPECT_EQ(EVP_PKEY_get_base_id((*leaf)->key.get()), EVP_PKEY_EC);
  EXPECT_EQ(X509_check_private_key(x, (*leaf)->key.get()), 1);
  // Short-lived: valid now, expiring after the validity asked for.
  EXPECT_LE(X509_cmp_time(X509_get0_notBefore(x), nullptr), 0);
  EXPECT_GE((*leaf)->not_after, now + 24h - 2s);
  EXPECT_LE((*leaf)->not_after, now + 24h + 2s);
}

TEST(cert_mint, an_ip_address_becomes_an_ip_subject_alt_name) {
  const test_ca files;
  const auto ca = files.load();
  for (const char* ip : {"192.0.2.7", "2001:db8::1"}) {
    auto leaf = ca.mint(ip, 1h, clock::now());
    ASSERT_TRUE(leaf) << ip;
    EXPECT_EQ(X509_check_ip_asc((*leaf)->cert.get(), ip, 0), 1) << ip;
    EXPECT_EQ(alt_name_types(**leaf), std::vector<int>{GEN_IPADD}) << "an IP must not be a DNS name";
    EXPECT_TRUE(verifies(ca, **leaf));
  }
}

TEST(cert_mint, an_ed25519_ca_signs_leaves_too) {
  const test_ca files("-newkey ed25519");
  const auto ca = files.load();
  auto leaf = ca.mint("registry.test", 1h, clock::now());
  ASSERT_TRUE(leaf);
  EXPECT_TRUE(verifies(ca, **leaf));
}

TEST(cert_mint, a_leaf_never_outlives_its_ca) {
  const test_ca files;  // valid 2 days
  const auto ca = files.load();
  auto leaf = ca.mint("registry.test", 24h * 30, clock::now());
  ASSERT_TRUE(leaf);
  EXPECT_LT((*leaf)->not_after, clock::now() + 24h * 3);
}

TEST(cert_mint, hostile_host_names_are_refused) {
  const test_ca files;
  const auto ca = files.load();
  const std::vector<std::string> hostile{"", "a,DNS:evil.test", "registry.test\n", "-a.test", "a-.test", "a..test",
                                         ".a.test", "exa mple.test", "*.example.test", std::string(254, 'a'),
                                         std::string(64, 'a') + ".test"};
  for (const std::string& host : hostile) {
    EXPECT_FALSE(valid_certificate_host(host)) << host;
    EXPECT_FALSE(ca.mint(host, 1h, clock::now())) << host;
  }
  EXPECT_TRUE(valid_certificate_host(std::string(63, 'a') + ".test"));
  EXPECT_TRUE(valid_certificate_host("xn--bcher-kva.example"));
}

TEST(cert_mint, loading_names_what_is_wrong) {
  const test_ca files;
  const test_ca not_a_ca("-newkey ec -pkeyopt ec_paramgen_curve:P-256", "-addext basicConstraints=critical,CA:FALSE");
  std::string why;
  EXPECT_FALSE(cert_authority::load(files.cert + ".missing", files.key, why));
  EXPECT_NE(why.find("cannot read"), std::string::npos) << why;
  EXPECT_FALSE(cert_authority::load(files.key, files.key, why));
  EXPECT_NE(why.find("no PEM certificate"), std::string::npos) << why;
  EXPECT_FALSE(cert_authority::load(files.cert, not_a_ca.key, why));
  EXPECT_NE(why.find("is not the private key"), std::string::npos) << why;
  EXPECT_FALSE(cert_authority::load(not_a_ca.cert, not_a_ca.key, why));
  EXPECT_NE(why.find("not a CA"), std::string::npos) << why;
}

TEST(leaf_cache, keeps_at_most_its_capacity_and_drops_the_least_recently_used) {
  const test_ca files;
  leaf_cache cache(files.load(), 2, 24h);
  const auto now = clock::now();
  auto a = cache.get("a.test", now);
  auto b = cache.get("b.test", now);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(cache.get("A.TEST", now).value(), *a) << "a hit is the same leaf, names compared case-insensitively";
  EXPECT_EQ(cache.minted(), 2u);
  ASSERT_TRUE(cache.get("c.test", now));  // evicts b, the least recently used
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get("a.test", now).value(), *a);
  EXPECT_EQ(cache.minted(), 3u);
  EXPECT_NE(cache.get("b.test", now).value(), *b) << "b was evicted and minted afresh";
  EXPECT_EQ(cache.minted(), 4u);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(cache.get("h" + std::to_string(i) + ".test", now));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.get("bad,host", now));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(leaf_cache, a_leaf_past_half_its_validity_is_minted_again) {
  const test_ca files;
  leaf_cache cache(files.load(), 10, 2h);
  const auto now = clock::now();
  auto first = cache.get("a.test", now);
  ASSERT_TRUE(first);
  EXPECT_EQ(cache.get("a.test", now + 59min).value(), *first);
  auto renewed = cache.get("a.test", now + 61min);
  ASSERT_TRUE(renewed);
  EXPECT_NE(*renewed, *first);
  EXPECT_GT((*renewed)->not_after, (*first)->not_after);
}

}  // namespace
}  // namespace df::net
