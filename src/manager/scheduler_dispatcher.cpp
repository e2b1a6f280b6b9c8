#include "manager/scheduler_dispatcher.hpp"

#include "net/frame_stream.hpp"
#include "net/tls_identity.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include <optional>

namespace df::manager {

namespace proto = net::proto;
using tcp = net::asio::ip::tcp;

namespace {

constexpr auto result_slack = std::chrono::seconds(5);  // the scheduler's own timeout ends first
constexpr auto stop_poll = std::chrono::milliseconds(500);

std::vector<std::string> split_filters(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('&', start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string address_of(const scheduler_record& s) { return s.ip + ":" + std::to_string(s.port); }

}  // namespace

proto::job_request to_job_request(const dispatch_request& request, const std::string& token) {
  proto::job_request job;
  job.job_id = request.job_id;
  job.job = request.type;
  job.urls = request.urls;
  job.task_id = request.task_id;
  job.headers = request.headers;
  job.tag = request.tag;
  job.application = request.application;
  job.filters = split_filters(request.filtered_query_params);
  job.scope = request.scope;
  job.concurrent_count = request.concurrent_count;
  job.timeout_ms = request.timeout_ms;
  job.token = token;
  return job;
}

dispatch_result from_job_result(const proto::job_result& result) {
  dispatch_result out;
  out.error = result.error;
  for (const auto& h : result.hosts)
    out.hosts.push_back({h.hostname, h.ip, h.url, h.bytes, h.duration_ms, h.source, h.error});
  return out;
}

scheduler_dispatcher::scheduler_dispatcher(scheduler_dispatch_options options) : options_(std::move(options)) {}

net::awaitable<dispatch_result> scheduler_dispatcher::dispatch(const dispatch_request& request) {
  dispatch_result out;
  if (request.schedulers.empty()) {
    out.error = "no active scheduler in cluster " + std::to_string(request.scheduler_cluster_id);
    co_return out;
  }
  auto job = to_job_request(request, options_.token);
  if (job.timeout_ms <= 0) job.timeout_ms = options_.default_timeout.count();
  std::string errors;
  for (const auto& scheduler : request.schedulers) {
    std::string error;
    auto answer = co_await ask(scheduler, job, request, error);
    if (answer) co_return from_job_result(*answer);
    spdlog::warn("job {}: scheduler {} unreachable: {}", request.job_id, address_of(scheduler), error);
    if (!errors.empty()) errors += "; ";
    errors += "scheduler " + address_of(scheduler) + " unreachable: " + error;
    if (request.stopped && request.stopped()) break;
  }
  out.error = errors;
  co_return out;
}

net::awaitable<std::optional<proto::job_result>> scheduler_dispatcher::ask(const scheduler_record& scheduler,
                                                                           const proto::job_request& job,
                                                                           const dispatch_request& request,
                                                                           std::string& error) {
  boost::system::error_code ec;
  const auto ip = net::asio::ip::make_address(scheduler.ip, ec);
  if (ec) {
    error = "invalid address " + scheduler.ip;
    co_return std::nullopt;
  }
  // The caller's executor (the job engine's thread): every handler of this share runs there.
  const auto ex = co_await net::asio::this_coro::executor;
  tcp::socket socket(ex);
  net::asio::steady_timer guard(ex, options_.connect_timeout);
  guard.async_wait([&socket](boost::system::error_code e) {
    if (!e) socket.close();
  });
  auto [connect_ec] = co_await socket.async_connect(tcp::endpoint(ip, scheduler.port), net::use_nothrow);
  guard.cancel();
  if (connect_ec) {
    error = connect_ec.message();
    co_return std::nullopt;
  }
  auto stream = std::make_shared<net::frame_stream>(net::frame_stream::socket_type(std::move(socket)));
  if (options_.tls && options_.tls->mode() != security_mode::off) {
    auto shaken = co_await stream->start_tls(options_.tls->client(), false, options_.connect_timeout);
    if (!shaken) {
      error = "TLS handshake failed: " + shaken.error().message();
      co_return std::nullopt;
    }
    if (options_.tls->mode() == security_mode::mtls) {
      auto id = net::peer_identity(stream->tls_session());
      if (!id || id->role != net::cluster_role::scheduler) {
        error = "its certificate is not a scheduler's";
        co_return std::nullopt;
      }
    }
  }
  const proto::message m = job;
  const std::string payload = proto::encode(m);
  if (auto w = co_await stream->write(net::frame_kind::message, payload); !w) {
    error = w.error().message();
    co_return std::nullopt;
  }
  // The answer comes when the job ends; the stream is closed at the deadline or when the run stops.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(job.timeout_ms) + result_slack;
  auto watch = std::make_shared<net::asio::steady_timer>(ex);
  auto poll = std::make_shared<std::function<void()>>();
  std::weak_ptr<net::frame_stream> weak = stream;
  auto stopped = request.stopped;
  *poll = [watch, weak, deadline, stopped, poll_weak = std::weak_ptr(poll)] {
    watch->expires_after(stop_poll);
    watch->async_wait([watch, weak, deadline, stopped, poll_weak](boost::system::error_code e) {
      if (e) return;
      auto s = weak.lock();
      if (!s) return;
      if (std::chrono::steady_clock::now() >= deadline || (stopped && stopped())) {
        s->close();
        return;
      }
      if (auto p = poll_weak.lock()) (*p)();
    });
  };
  (*poll)();
  auto frame = co_await stream->read();
  watch->cancel();
  if (!frame) {
    error = std::chrono::steady_clock::now() >= deadline ? "no result within the job's timeout"
                                                         : "connection lost: " + frame.error().message();
    co_return std::nullopt;
  }
  auto answer = proto::decode(frame->payload);
  const auto* result = answer ? std::get_if<proto::job_result>(&*answer) : nullptr;
  if (!result) {
    error = "unexpected answer: " + (answer ? std::string(proto::type_name(*answer)) : answer.error().message());
    co_return std::nullopt;
  }
  co_return *result;
}

std::unique_ptr<job_dispatcher> make_scheduler_dispatcher(scheduler_dispatch_options options) {
  return std::make_unique<scheduler_dispatcher>(std::move(options));
}

}  // namespace df::manager
