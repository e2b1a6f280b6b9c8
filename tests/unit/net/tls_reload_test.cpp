// What a running component accepts when its files change: a renewed certificate pair (same role
// and name, same CA, key and certificate together) and a CRL from the manager (signed by the CA,
// not older than the one in force). Certificates from scripts/certs.sh, as an operator makes them.
#include "net/crl.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace df::net {
namespace {

namespace fs = std::filesystem;
using reload = tls_identity::reload;
using crl_update = tls_identity::crl_update;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TlsReload : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("df-tls-reload-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    certs("ca " + ca());
    certs("issue " + ca() + " peer host-a");
    fs::create_directories(dir_ / "live");
    install("peer-host-a");
    s_.mode = security_mode::mtls;
    s_.ca_file = ca() + "/ca.pem";
    s_.cert_file = (dir_ / "live" / "cert.pem").string();
    s_.key_file = (dir_ / "live" / "key.pem").string();
    std::string why;
    auto loaded = tls_identity::load(s_, why);
    ASSERT_TRUE(loaded) << why;
    tls_ = *loaded;
    first_serial_ = serial_in_use();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string ca() const { return (dir_ / "ca").string(); }
  static void certs(const std::string& args) {
    const std::string command = std::string(DF_SOURCE_DIR) + "/scripts/certs.sh " + args + " >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  // Copies one file of an issued pair over the live one, with a later modification time.
  void replace(const fs::path& from, const char* live) {
    const auto to = dir_ / "live" / live;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    fs::last_write_time(to, fs::file_time_type::clock::now() + std::chrono::seconds(++bumps_));
  }
  void install(const std::string& base, const std::string& issuer = "ca") {
    replace(dir_ / issuer / (base + ".pem"), "cert.pem");
    replace(dir_ / issuer / (base + "-key.pem"), "key.pem");
  }
  // The serial of the certificate new handshakes present (the server context's).
  std::string serial_in_use() {
    X509* cert = SSL_CTX_get0_certificate(tls_->server().native_handle());
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out(hex);
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
  }

  fs::path dir_;
  security_settings s_;
  std::shared_ptr<tls_identity> tls_;
  std::string first_serial_;
  int bumps_ = 0;
};

TEST_F(TlsReload, NothingChangedIsUnchanged) {
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::unchanged);
}

TEST_F(TlsReload, ARenewedPairIsUsedForNewHandshakes) {
  certs("issue " + ca() + " peer host-a");  // a new key and serial for the same name
  install("peer-host-a");
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::reloaded) << why;
  EXPECT_NE(serial_in_use(), first_serial_);
  EXPECT_EQ(SSL_CTX_check_private_key(tls_->client().native_handle()), 1);
  EXPECT_EQ(tls_->refresh_certificate(why), reload::unchanged);
}

TEST_F(TlsReload, APairRenamedIntoPlaceWithTheOldTimesIsStillSeen) {
  certs("issue " + ca() + " peer host-a");
  for (const auto& [from, live] :
       {std::pair{"peer-host-a.pem", "cert.pem"}, std::pair{"peer-host-a-key.pem", "key.pem"}}) {
    const auto aside = dir_ / "live" / (std::string(live) + ".new");
    fs::copy_file(dir_ / "ca" / from, aside);
    fs::last_write_time(aside, fs::last_write_time(dir_ / "live" / live));  // as `mv` of a copy kept with -p
    fs::rename(aside, dir_ / "live" / live);
  }
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::reloaded) << why;
  EXPECT_NE(serial_in_use(), first_serial_);
}

TEST_F(TlsReload, AnotherRoleIsRefusedAndTheOldPairStays) {
  certs("issue " + ca() + " seed-peer host-a");
  install("seed-peer-host-a");
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::refused);
  EXPECT_NE(why.find("spiffe://dragonfly/seed-peer/host-a, not spiffe://dragonfly/peer/host-a"), std::string::npos)
      << why;
  EXPECT_EQ(serial_in_use(), first_serial_);
  EXPECT_EQ(tls_->refresh_certificate(why), reload::unchanged);  // judged once, until a file changes
}

TEST_F(TlsReload, AnotherNameIsRefused) {
  certs("issue " + ca() + " peer host-b");
  install("peer-host-b");
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::refused);
  EXPECT_EQ(serial_in_use(), first_serial_);
}

TEST_F(TlsReload, ACertificateOfAnotherCaIsRefused) {
  certs("ca " + (dir_ / "other").string());
  certs("issue " + (dir_ / "other").string() + " peer host-a");
  install("peer-host-a", "other");
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::refused);
  EXPECT_NE(why.find("is not valid under security.ca_file"), std::string::npos) << why;
  EXPECT_EQ(serial_in_use(), first_serial_);
}

TEST_F(TlsReload, AHalfReplacedPairWaitsForItsKey) {
  const auto old_key = dir_ / "old-key.pem";
  fs::copy_file(dir_ / "ca" / "peer-host-a-key.pem", old_key);
  certs("issue " + ca() + " peer host-a");
  replace(dir_ / "ca" / "peer-host-a.pem", "cert.pem");  // the certificate first
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::pending);
  EXPECT_EQ(serial_in_use(), first_serial_);
  replace(dir_ / "ca" / "peer-host-a-key.pem", "key.pem");  // then its key
  EXPECT_EQ(tls_->refresh_certificate(why), reload::reloaded) << why;
  EXPECT_NE(serial_in_use(), first_serial_);
}

TEST_F(TlsReload, AKeyThatStaysWrongIsRefusedAtTheSecondLook) {
  certs("issue " + ca() + " peer host-a");
  replace(dir_ / "ca" / "peer-host-a.pem", "cert.pem");  // and never its key
  std::string why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::pending);
  EXPECT_EQ(tls_->refresh_certificate(why), reload::refused);
  EXPECT_NE(why.find("does not belong to"), std::string::npos) << why;
  EXPECT_EQ(tls_->refresh_certificate(why), reload::unchanged);
  EXPECT_EQ(serial_in_use(), first_serial_);
}

TEST_F(TlsReload, ANewerCrlOfTheCaIsAppliedAndRevokes) {
  const std::string empty_crl = read_text(dir_ / "ca" / "crl.pem");
  certs("issue " + ca() + " peer host-c");
  certs("revoke " + ca() + " peer host-c");
  const std::string revoking = read_text(dir_ / "ca" / "crl.pem");
  std::string why;
  EXPECT_EQ(tls_->apply_crl(empty_crl, why), crl_update::applied) << why;
  const auto generation = tls_->crl_generation();
  EXPECT_EQ(tls_->apply_crl(empty_crl, why), crl_update::unchanged);
  EXPECT_EQ(tls_->apply_crl(revoking, why), crl_update::applied) << why;
  EXPECT_EQ(tls_->crl_generation(), generation + 1);
  EXPECT_EQ(tls_->apply_crl(empty_crl, why), crl_update::older);
  // host-c's certificate now fails the checks a handshake makes; host-a's still passes.
  FILE* f = std::fopen((dir_ / "ca" / "peer-host-c.pem").c_str(), "r");
  ASSERT_TRUE(f);
  X509* revoked = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  EXPECT_FALSE(tls_->check_certificate(revoked, why));
  EXPECT_NE(why.find("revoked"), std::string::npos) << why;
  X509_free(revoked);
  EXPECT_EQ(tls_->apply_crl(revoking, why), crl_update::unchanged);
}

TEST_F(TlsReload, ACrlThatDoesNotVerifyIsRefused) {
  certs("ca " + (dir_ / "other").string());
  std::string why;
  EXPECT_EQ(tls_->apply_crl(read_text(dir_ / "other" / "crl.pem"), why), crl_update::refused);
  EXPECT_NE(why.find("signature does not verify"), std::string::npos) << why;  // same CA name, other key
  EXPECT_EQ(tls_->apply_crl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", why), crl_update::refused);
  EXPECT_EQ(tls_->apply_crl(std::string(max_crl_bytes + 1, 'x'), why), crl_update::refused);
  // One byte changed: refused whether it breaks the encoding or the signature.
  std::string crl = read_text(dir_ / "ca" / "crl.pem");
  const auto body = crl.find('\n') + 20;
  crl[body] = crl[body] == 'A' ? 'B' : 'A';
  EXPECT_EQ(tls_->apply_crl(crl, why), crl_update::refused);
  EXPECT_EQ(tls_->crl_number(), -1);
}

TEST_F(TlsReload, AnAppliedCrlIsWrittenToTheCrlFile) {
  s_.crl_file = (dir_ / "live" / "crl.pem").string();
  fs::copy_file(dir_ / "ca" / "crl.pem", s_.crl_file);
  std::string why;
  auto loaded = tls_identity::load(s_, why);
  ASSERT_TRUE(loaded) << why;
  const auto number = (*loaded)->crl_number();
  EXPECT_GE(number, 0);
  certs("issue " + ca() + " peer host-c");
  certs("revoke " + ca() + " peer host-c");
  const std::string revoking = read_text(dir_ / "ca" / "crl.pem");
  EXPECT_EQ((*loaded)->apply_crl(revoking, why), crl_update::applied) << why;
  EXPECT_EQ((*loaded)->crl_number(), number + 1);
  EXPECT_EQ(read_text(s_.crl_file), revoking);
  EXPECT_FALSE((*loaded)->refresh_crl(why));  // its own write is not read back
}

}  // namespace
}  // namespace df::net
