// Cluster identities: the URI a certificate carries, and what loading a component's certificate
// checks (certificates made by scripts/certs.sh, as an operator would).
#include "net/tls_identity.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace df::net {
namespace {

TEST(ClusterIdentity, ParsesTheRoleAndNameOfADragonflyUri) {
  const auto id = parse_identity_uri("spiffe://dragonfly/seed-peer/host-7");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->role, cluster_role::seed_peer);
  EXPECT_EQ(id->name, "host-7");
  EXPECT_EQ(id->uri(), "spiffe://dragonfly/seed-peer/host-7");
  for (const char* bad : {"spiffe://dragonfly/seed-peer/", "spiffe://dragonfly/admin/x", "spiffe://other/peer/x",
                          "spiffe://dragonfly/peer/a/b", "spiffe://dragonfly/peer", "https://dragonfly/peer/x", ""})
    EXPECT_FALSE(parse_identity_uri(bad)) << bad;
}

TEST(ClusterIdentity, RoleNamesRoundTrip) {
  for (auto r : {cluster_role::peer, cluster_role::seed_peer, cluster_role::scheduler, cluster_role::manager})
    EXPECT_EQ(parse_role(role_name(r)), r);
  EXPECT_FALSE(parse_role("root"));
}

class TlsIdentityLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("df-tls-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    certs("ca " + (dir_ / "ca").string());
    certs("issue " + (dir_ / "ca").string() + " peer host-a");
    certs("ca " + (dir_ / "other").string());
    certs("issue " + (dir_ / "other").string() + " seed-peer host-a");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void certs(const std::string& args) {
    const std::string command = std::string(DF_SOURCE_DIR) + "/scripts/certs.sh " + args + " >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  security_settings settings(const std::string& issuer, const std::string& base) const {
    security_settings s;
    s.mode = security_mode::mtls;
    s.ca_file = (dir_ / "ca" / "ca.pem").string();
    s.cert_file = (dir_ / issuer / (base + ".pem")).string();
    s.key_file = (dir_ / issuer / (base + "-key.pem")).string();
    return s;
  }
  std::filesystem::path dir_;
};

TEST_F(TlsIdentityLoad, AValidCertificateGivesItsIdentity) {
  std::string why;
  auto loaded = tls_identity::load(settings("ca", "peer-host-a"), why);
  ASSERT_TRUE(loaded) << why;
  EXPECT_EQ((*loaded)->own(), (cluster_identity{cluster_role::peer, "host-a"}));
  EXPECT_EQ((*loaded)->mode(), security_mode::mtls);
}

TEST_F(TlsIdentityLoad, ACertificateTheCaDidNotSignIsRefused) {
  std::string why;
  EXPECT_FALSE(tls_identity::load(settings("other", "seed-peer-host-a"), why));
  EXPECT_NE(why.find("is not valid under security.ca_file"), std::string::npos) << why;
}

TEST_F(TlsIdentityLoad, AKeyOfAnotherCertificateIsRefused) {
  auto s = settings("ca", "peer-host-a");
  s.key_file = (dir_ / "other" / "seed-peer-host-a-key.pem").string();
  std::string why;
  EXPECT_FALSE(tls_identity::load(s, why));
  EXPECT_NE(why.find("security.key_file"), std::string::npos) << why;
}

TEST_F(TlsIdentityLoad, ACertificateWithoutAClusterIdentityIsRefused) {
  auto s = settings("ca", "peer-host-a");
  s.cert_file = s.ca_file;  // a valid certificate (self-signed by the CA) that names no role
  s.key_file = (dir_ / "ca" / "ca-key.pem").string();
  std::string why;
  EXPECT_FALSE(tls_identity::load(s, why));
  EXPECT_NE(why.find("names no cluster identity"), std::string::npos) << why;
}

TEST_F(TlsIdentityLoad, AMissingFileIsNamed) {
  auto s = settings("ca", "peer-host-a");
  s.ca_file = (dir_ / "nowhere.pem").string();
  std::string why;
  EXPECT_FALSE(tls_identity::load(s, why));
  EXPECT_NE(why.find("security.ca_file " + s.ca_file), std::string::npos) << why;
}

}  // namespace
}  // namespace df::net
