#include "manager/admin_token.hpp"

#include "core/digest.hpp"
#include "core/yaml_config.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace df::manager {

std::string load_or_create_admin_token(const std::string& configured, const std::string& data_dir) {
  return load_or_create_token(configured, data_dir + "/admin_token");
}

std::string load_or_create_token(const std::string& configured, const std::string& path) {
  if (!configured.empty()) return configured;
  if (std::ifstream in(path); in) {
    std::string token;
    std::getline(in, token);
    if (token.size() < 16) throw config_error(path + " holds no token of at least 16 characters");
    return token;
  }
  std::array<unsigned char, 24> random{};
  if (::RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw config_error("cannot generate a token for " + path + ": no randomness");
  std::string token;
  for (const auto b : random) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", b);
    token += hex;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw config_error("cannot create " + path);
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) throw config_error("cannot write " + path);
  return token;
}

bool bearer_matches(std::string_view authorization, const std::string& token) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() || authorization.substr(0, scheme.size()) != scheme) return false;
  const auto given = sha256_hex(authorization.substr(scheme.size()));
  const auto expected = sha256_hex(token);
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace df::manager
