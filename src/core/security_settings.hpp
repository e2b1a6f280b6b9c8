#pragma once
// The `security` keys every component shares: how components prove who they are to each other
// (docs/security.md). Plain data and YAML only; the TLS contexts are built in net/tls_identity.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>

namespace df {

/// How components talk to each other: plain TCP, TLS (servers prove who they are), or mutual TLS
/// (both ends prove it; the role a participant may play comes from its certificate).
enum class security_mode { off, tls, mtls };

std::string_view mode_name(security_mode m);
std::optional<security_mode> parse_mode(std::string_view text);

/// The certificate files of one component and the mode that says how they are used.
struct security_settings {
  security_mode mode = security_mode::off;
  std::string ca_file;    // PEM: the cluster CA every certificate is checked against
  std::string cert_file;  // PEM: this component's certificate (then any intermediates)
  std::string key_file;   // PEM: its private key
  std::string crl_file;   // PEM: revoked certificates (optional)

  /// Reads the mode and file keys of a `security` section (the caller checks the section's keys).
  void read(const YAML::Node& section);
  /// Writes them as keys of the map being emitted.
  void emit(YAML::Emitter& out) const;
  /// Throws config_error when the mode needs a file that is not named.
  void validate(std::string_view component) const;
};

}  // namespace df
