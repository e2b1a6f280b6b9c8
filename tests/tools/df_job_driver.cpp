// Test-only: drives the manager's scheduler_dispatcher against real dfscheduler processes and
// prints the dispatch_result as JSON (tests/integration/test_job_dispatch.py). Not installed.
//
//   df_job_driver --scheduler IP:PORT [--scheduler …] --type preheat|get_task|delete_task
//                 [--url URL …] [--task-id ID] [--scope S] [--token T] [--timeout-ms N]
//                 [--concurrent N] [--cluster N] [--header NAME=VALUE …]
//                 [--mode tls|mtls --ca CA.pem --cert CERT.pem --key KEY.pem]

#include "manager/scheduler_dispatcher.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string>

namespace {

df::manager::scheduler_record parse_scheduler(const std::string& address) {
  df::manager::scheduler_record s;
  const auto colon = address.rfind(':');
  s.ip = address.substr(0, colon);
  s.port = static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  df::manager::dispatch_request request;
  request.timeout_ms = 60000;
  std::string token;
  df::security_settings security;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--scheduler") request.schedulers.push_back(parse_scheduler(value));
    else if (key == "--type") request.type = value;
    else if (key == "--url") request.urls.push_back(value);
    else if (key == "--task-id") request.task_id = value;
    else if (key == "--scope") request.scope = value;
    else if (key == "--token") token = value;
    else if (key == "--timeout-ms") request.timeout_ms = std::stoll(value);
    else if (key == "--concurrent") request.concurrent_count = std::stoll(value);
    else if (key == "--cluster") request.scheduler_cluster_id = std::stoll(value);
    else if (key == "--mode") security.mode = value == "mtls" ? df::security_mode::mtls : df::security_mode::tls;
    else if (key == "--ca") security.ca_file = value;
    else if (key == "--cert") security.cert_file = value;
    else if (key == "--key") security.key_file = value;
    else if (key == "--header") request.headers[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
    else {
      std::cerr << "unknown option " << key << "\n";
      return 2;
    }
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("df_job_driver"));  // stdout carries the result
  boost::asio::io_context io;
  df::manager::scheduler_dispatch_options options;
  options.token = token;
  if (security.mode != df::security_mode::off) {
    std::string why;
    auto tls = df::net::tls_identity::load(security, why);
    if (!tls) {
      std::cerr << "TLS: " << why << "\n";
      return 2;
    }
    options.tls = *tls;
  }
  auto dispatcher = df::manager::make_scheduler_dispatcher(options);
  df::manager::dispatch_result result;
  boost::asio::co_spawn(
      io, [&]() -> df::net::awaitable<void> { result = co_await dispatcher->dispatch(request); },
      boost::asio::detached);
  io.run();
  nlohmann::json out{{"error", result.error}, {"hosts", nlohmann::json::array()}};
  for (const auto& h : result.hosts)
    out["hosts"].push_back({{"hostname", h.hostname}, {"ip", h.ip}, {"url", h.url}, {"bytes", h.bytes},
                            {"duration_ms", h.duration_ms}, {"source", h.source}, {"error", h.error}});
  std::cout << out.dump() << "\n";
  return 0;
}
