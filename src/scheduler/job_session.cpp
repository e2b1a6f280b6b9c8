#include "scheduler/job_session.hpp"

#include "core/token_file.hpp"

#include "core/yaml_config.hpp"
#include "net/frame_stream.hpp"
#include "scheduler/job_runner.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <fstream>

namespace df::scheduler {

namespace proto = net::proto;

std::string job_refusal(security_mode mode, const std::optional<net::cluster_identity>& identity,
                        const std::string& expected_token, const std::string& given_token) {
  if (mode == security_mode::mtls) {
    if (identity && identity->role == net::cluster_role::manager) return {};
    return "job_request from a certificate that is not a manager's";
  }
  if (expected_token.empty()) return "jobs are disabled: no jobs.token_file (and security.mode is not mtls)";
  if (given_token.size() != expected_token.size() ||
      CRYPTO_memcmp(given_token.data(), expected_token.data(), given_token.size()) != 0)
    return "job_request with a wrong or missing token";
  return {};
}

std::string read_job_token(const std::string& path) {
  if (path.empty()) return {};
  return read_token_file(path, "jobs.token_file", proto::field_limits::id);
}

net::awaitable<void> serve_job(net::frame_stream& stream, job_runner& jobs, proto::job_request request) {
  const auto job_id = request.job_id;
  const auto type = request.job;
  spdlog::info("scheduler: job {} ({} {}) from the manager", job_id, type, request.scope);
  proto::job_result result = co_await jobs.run(std::move(request));
  std::size_t failed = 0;
  for (const auto& h : result.hosts) failed += h.error.empty() ? 0 : 1;
  spdlog::info("scheduler: job {} done: {} hosts, {} failed{}{}", job_id, result.hosts.size(), failed,
               result.error.empty() ? "" : "; ", result.error);
  const proto::message reply = std::move(result);
  const std::string payload = proto::encode(reply);
  auto written = co_await stream.write(net::frame_kind::message, payload);
  if (!written) spdlog::warn("scheduler: job {}: cannot send its result: {}", job_id, written.error().message());
}

}  // namespace df::scheduler
