#pragma once
// dfget's exit codes, documented in the README and `dfget --help`.

namespace df::cli {

/// Why dfget stopped; the process exit status.
enum class exit_code : int {
  ok = 0,
  usage = 2,               // bad flags, invalid URL or digest syntax
  daemon_unreachable = 3,  // no dfdaemon on the socket
  origin_error = 4,        // the origin answered with an error status or could not be read
  p2p_error = 5,           // the swarm could not deliver (no scheduler and back-to-source disabled, task failed)
  digest_mismatch = 6,     // the file does not match --digest
  output_error = 7,        // the output path could not be written
  timeout = 8,             // --timeout passed
  daemon_error = 9,        // the daemon failed locally (e.g. its disk is full)
};

/// One line per code for --help.
inline constexpr const char* exit_code_help =
    "Exit codes: 0 ok, 2 usage, 3 daemon unreachable, 4 origin error, 5 P2P error, 6 digest mismatch,\n"
    "            7 output not writable, 8 timeout, 9 daemon error, 128+N killed by signal N (nothing left behind)";

}  // namespace df::cli
