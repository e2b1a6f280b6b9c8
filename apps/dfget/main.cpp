// dfget: downloads a URL through the local dfdaemon (P2P) to a file.
#include "cli/download.hpp"
#include "core/units.hpp"
#include "core/version.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>
#include <utility>

namespace {

// Options that also come from the environment variables Dragonfly's dfget reads.
constexpr std::pair<const char*, const char*> dragonfly_environment[] = {
    {"--timeout", "DFGET_TIMEOUT"},
    {"--tag", "DFGET_TAG"},
    {"--application", "DFGET_APPLICATION"},
    {"--disable-back-to-source", "DFGET_DISABLE_BACK_TO_SOURCE"},
    {"--no-progress", "DFGET_NO_PROGRESS"},
    {"--overwrite", "DFGET_OVERWRITE"},
};

}  // namespace

int main(int argc, char** argv) {
  using df::cli::exit_code;
  CLI::App app{"dfget: download a URL through the P2P swarm"};
  app.set_version_flag("-V,--version", df::version_line("dfget"), "print the version and source revision, and exit");
  app.footer(df::cli::exit_code_help);
  df::cli::download_options opts;
  std::vector<std::string> headers;
  std::string timeout;
  bool no_progress = false;
  // Root, and members of the daemon's group when the packaged daemon runs, use the system socket.
  constexpr const char* system_socket = "/var/run/dragonfly/dfdaemon.sock";
  opts.socket = ::geteuid() == 0 || ::access(system_socket, F_OK) == 0 ? system_socket : "";
  app.add_option("url", opts.url, "http:// URL to download")->required();
  app.add_option("-O,--output", opts.output, "file to write (written only after verification)")->required();
  app.add_option("-H,--header", headers, "request header for the origin, 'Name: value' (repeatable)");
  app.add_option("--digest", opts.digest, "expected digest of the whole file, sha256:<hex>");
  app.add_option("--tag", opts.tag, "tag: different tags make different tasks for one URL");
  app.add_option("--application", opts.application, "application name, part of the task identity");
  app.add_option("--filter", opts.filter, "query parameters left out of the task ID, '&'-separated");
  std::vector<std::string> filtered;
  app.add_option("--filtered-query-param", filtered, "a query parameter left out of the task ID (repeatable; "
                                                      "Dragonfly's spelling of --filter)");
  app.add_option("--timeout", timeout, "give up after this long, e.g. 30s or 10m (default: no limit)");
  std::string ratelimit;
  app.add_option("--ratelimit", ratelimit, "download rate for this task, e.g. 20MB (bytes/s; default: host limits only)");
  app.add_option("--socket,-e,--endpoint", opts.socket,
                 "dfdaemon's unix socket (default /var/run/dragonfly/dfdaemon.sock; -e/--endpoint as in Dragonfly)");
  bool overwrite = false;
  app.add_flag("--overwrite", overwrite,
               "accepted for Dragonfly's scripts: an existing output file is always replaced, atomically, "
               "once the download verified");
  app.add_flag("--disable-back-to-source", opts.disable_back_to_source,
               "fail instead of fetching from the origin when the swarm cannot deliver");
  app.add_flag("--no-progress", no_progress, "no progress bar even on a terminal");
  app.add_flag("--stream-over-socket", opts.stream_over_socket,
               "receive the bytes over the socket instead of handing dfdaemon the output file");
  app.add_flag("--copy", opts.copy,
               "write an independent copy; by default the output is a hard link to dfdaemon's verified copy "
               "when both are on one filesystem (do not edit it in place then: replace it)");
  app.add_flag("--summary", opts.summary, "print where the bytes came from when done (default on a terminal)");
  for (const auto& [option, env] : dragonfly_environment) app.get_option(option)->envname(env);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(exit_code::usage);
  }
  for (const auto& h : headers) {
    if (!df::cli::parse_header(h, opts.headers)) {
      std::cerr << "dfget: header '" << h << "' must look like 'Name: value'\n";
      return static_cast<int>(exit_code::usage);
    }
  }
  for (const auto& name : filtered) {
    if (name.empty() || name.find('&') != std::string::npos) {
      std::cerr << "dfget: --filtered-query-param '" << name << "' must be one query parameter name\n";
      return static_cast<int>(exit_code::usage);
    }
    opts.filter += (opts.filter.empty() ? "" : "&") + name;
  }
  if (!timeout.empty()) {
    const auto t = df::parse_duration(timeout);
    if (!t) {
      std::cerr << "dfget: --timeout '" << timeout << "' is not a duration like 30s\n";
      return static_cast<int>(exit_code::usage);
    }
    opts.timeout = *t;
  }
  if (!ratelimit.empty()) {
    const auto r = df::parse_size(ratelimit);
    if (!r || *r == 0) {
      std::cerr << "dfget: --ratelimit '" << ratelimit << "' is not a rate like 20MB\n";
      return static_cast<int>(exit_code::usage);
    }
    opts.rate_limit = *r;
  }
  if (opts.socket.empty()) {
    std::cerr << "dfget: --socket is required when not root and no system daemon listens at "
              << system_socket << " (a daemon run by a user keeps its socket in its data dir)\n";
    return static_cast<int>(exit_code::usage);
  }
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  opts.progress = tty && !no_progress;
  opts.summary = opts.summary || tty;
  return static_cast<int>(df::cli::run_download(opts, std::cerr));
}
