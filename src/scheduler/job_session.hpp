#pragma once
// A manager's connection to the scheduler's daemon port: who may send a job_request, and the
// exchange itself (one request, one job_result, then the connection closes).

#include "core/security_settings.hpp"
#include "net/asio.hpp"
#include "net/scheduler_protocol.hpp"
#include "net/tls_identity.hpp"

#include <optional>
#include <string>

namespace df::net {
class frame_stream;
}

namespace df::scheduler {

class job_runner;

/// Why a job_request is refused ("" = allowed): under mtls the connection's certificate must be a
/// manager's; otherwise the request must carry the scheduler's job token (jobs.token_file), and
/// without one configured jobs are refused outright. `identity`: the certificate's (mtls only).
std::string job_refusal(security_mode mode, const std::optional<net::cluster_identity>& identity,
                        const std::string& expected_token, const std::string& given_token);

/// The job token in `path` (its first line, trailing spaces dropped); "" for no path. Throws
/// config_error naming jobs.token_file when the file cannot be read or holds no token.
std::string read_job_token(const std::string& path);

/// Runs an allowed request and writes its job_result to `stream`.
net::awaitable<void> serve_job(net::frame_stream& stream, job_runner& jobs, net::proto::job_request request);

}  // namespace df::scheduler
