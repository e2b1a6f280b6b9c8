#pragma once
// dfcert enroll: a component's key and certificate from dfmanager's enrollment endpoint
// (docs/manager.md, "Enrollment"), written where security.cert_file / key_file / ca_file point.

#include "core/error.hpp"

#include <chrono>
#include <string>

namespace df::cli {

/// What `dfcert enroll` is asked to do.
struct enroll_options {
  std::string manager;  // host:port of dfmanager
  std::string token;    // the bootstrap token (never logged)
  std::string name;     // the certificate's name: host.hostname for daemons
  std::string dir;      // where <name>.pem, <name>-key.pem and ca.pem go
  std::chrono::hours renew_before{0};  // with an existing certificate valid longer than this, do nothing
};

/// The outcome, for the exit code and the one line dfcert prints.
struct enroll_outcome {
  bool renewed = false;  // false: the existing certificate is valid long enough
  std::string message;
};

/// Makes an Ed25519 key (mode 0600) and a request for `name`, has the manager sign it, and
/// writes key, certificate and CA atomically; errc with `why` on any failure (nothing is replaced).
result<enroll_outcome> enroll(const enroll_options& o, std::string& why);

}  // namespace df::cli
