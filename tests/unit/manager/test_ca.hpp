#pragma once
// A throwaway cluster CA (and certificate requests to it) made with the openssl command, for the
// tests of the manager as a CA.
#include "manager/certificate_issuer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace df::manager::test_ca {

/// The whole text of `file`.
inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A CA in `dir` (ca.pem, ca.key) loaded as an issuer; null (with a test failure) when openssl fails.
inline std::unique_ptr<certificate_issuer> make(const std::filesystem::path& dir) {
  const std::string cert = (dir / "ca.pem").string(), key = (dir / "ca.key").string();
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + key +
                          " -out " + cert +
                          " -days 2 -subj /CN=test-ca -addext basicConstraints=critical,CA:TRUE "
                          "-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string why;
  auto ca = certificate_issuer::load(cert, key, std::chrono::hours(1), why);
  EXPECT_TRUE(ca) << why;
  return ca ? std::move(*ca) : nullptr;
}

/// A certificate request (PEM) for common name `name`, with a new Ed25519 key in `dir`.
inline std::string request(const std::filesystem::path& dir, const std::string& name) {
  const auto key = (dir / (name + "-key.pem")).string(), csr = (dir / (name + ".csr")).string();
  const std::string cmd = "openssl genpkey -algorithm ed25519 -out " + key + " && openssl req -new -key " + key +
                          " -subj /CN=" + name + " -out " + csr;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return read_text(csr);
}

}  // namespace df::manager::test_ca
