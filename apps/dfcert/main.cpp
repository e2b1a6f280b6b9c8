// dfcert: a component's certificate for security.mode tls/mtls from dfmanager (enrollment with a
// bootstrap token). Run it before the component starts, and from a timer with --renew-before.
#include "cli/enroll.hpp"
#include "core/version.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"dfcert: certificates of the cluster CA, from dfmanager"};
  app.set_version_flag("--version", df::version_line("dfcert"), "print the version and source revision, and exit");
  app.require_subcommand(1);
  auto* enroll = app.add_subcommand("enroll", "make a key, have dfmanager sign it, write key, certificate and CA");
  df::cli::enroll_options o;
  std::string token_file;
  int renew_hours = 0;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  o.name = host;
  o.dir = "/etc/dragonfly/pki";
  enroll->add_option("--manager", o.manager, "dfmanager host:port")->required();
  enroll->add_option("--token-file", token_file, "file holding the bootstrap token (else $DF_ENROLL_TOKEN)");
  enroll->add_option("--name", o.name, "the name to certify: the host name for daemons (default: this host's)");
  enroll->add_option("--dir", o.dir, "where <name>.pem, <name>-key.pem and ca.pem go (default /etc/dragonfly/pki)");
  enroll->add_option("--renew-before", renew_hours,
                     "hours: keep an existing certificate valid longer than this (for timers)")
      ->check(CLI::Range(0, 100000));
  CLI11_PARSE(app, argc, argv);

  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::getline(in, o.token);
  } else if (const char* env = std::getenv("DF_ENROLL_TOKEN")) {
    o.token = env;
  }
  if (o.token.empty()) {
    std::cerr << "dfcert: no bootstrap token (--token-file or DF_ENROLL_TOKEN)\n";
    return 2;
  }
  o.renew_before = std::chrono::hours(renew_hours);
  std::string why;
  const auto done = df::cli::enroll(o, why);
  if (!done) {
    std::cerr << "dfcert: " << why << "\n";
    return 1;
  }
  std::cout << "dfcert: " << done->message << "\n";
  return 0;
}
