#include "daemon/upload_server.hpp"

#include "core/ids.hpp"
#include "daemon/context.hpp"
#include "daemon/task_manager.hpp"
#include "net/http_server.hpp"
#include "net/metrics.hpp"
#include "net/tls_identity.hpp"
#include "net/token_bucket.hpp"
#include "storage/task_file.hpp"

#include <charconv>

namespace df::daemon {

namespace {
constexpr std::uint64_t write_chunk = 256 * 1024;
constexpr std::string_view piece_prefix = "/v1/tasks/";
}  // namespace

upload_server::upload_server(daemon_context& ctx, task_manager& tasks, net::metrics_registry& metrics)
    : ctx_(ctx),
      tasks_(tasks),
      metrics_(metrics),
      server_(std::make_unique<net::http_server>(
          ctx.ex, [this](const net::http_request& r, net::response_writer& w) { return handle(r, w); })) {}

upload_server::~upload_server() = default;

result<std::uint16_t> upload_server::listen(const std::string& address, std::uint16_t port) {
  server_->set_connection_limit(net::default_max_connections, &ctx_.stats.connections_refused);
  // tls: pieces travel encrypted; mtls: only a holder of a cluster certificate gets a handshake
  // (the context demands and checks one), so a host without one reads nothing here.
  if (ctx_.tls && ctx_.tls->mode() != security_mode::off)
    server_->use_tls(ctx_.tls->server(), nullptr, std::chrono::seconds(10), &ctx_.stats.upload_tls_refused);
  auto r = server_->listen(address, port);
  if (r) server_->start();
  return r;
}

void upload_server::stop() { server_->stop(); }

net::awaitable<void> upload_server::handle(const net::http_request& req, net::response_writer& w) {
  const std::string_view target = req.target;
  if (req.method != "GET" && req.method != "HEAD") {
    co_await net::write_simple(w, 405, "text/plain", "only GET and HEAD\n");
  } else if (target == "/metrics") {
    const std::string text = metrics_.render();
    co_await net::write_simple(w, 200, "text/plain; version=0.0.4", text);
  } else if (target == "/healthz") {
    co_await net::write_simple(w, 200, "text/plain", "ok\n");
  } else if (target.starts_with(piece_prefix)) {
    // /v1/tasks/<64 hex>/pieces/<n>
    const std::string_view rest = target.substr(piece_prefix.size());
    const auto slash = rest.find('/');
    const std::string_view pieces = "/pieces/";
    if (slash == std::string_view::npos || rest.substr(slash, pieces.size()) != pieces) {
      ctx_.stats.upload_rejected.add();
      co_await net::write_simple(w, 400, "text/plain", "expected /v1/tasks/<task id>/pieces/<number>\n");
    } else {
      const std::string task_id(rest.substr(0, slash)), piece(rest.substr(slash + pieces.size()));
      co_await serve_piece(task_id, piece, w);
    }
  } else {
    co_await net::write_simple(w, 404, "text/plain", "not found\n");
  }
}

net::awaitable<void> upload_server::serve_piece(const std::string& task_id, const std::string& piece_text,
                                                net::response_writer& w) {
  std::uint32_t piece = 0;
  const auto [ptr, ec] = std::from_chars(piece_text.data(), piece_text.data() + piece_text.size(), piece);
  if (!is_valid_task_id(task_id) || ec != std::errc{} || ptr != piece_text.data() + piece_text.size()) {
    ctx_.stats.upload_rejected.add();
    co_await net::write_simple(w, 400, "text/plain", "malformed task id or piece number\n");
    co_return;
  }
  auto task = tasks_.find(task_id);
  if (task && tasks_.drop_if_modified(task_id)) task = nullptr;  // never serve bytes edited after completion
  if (!task || !task->meta().verified.has(piece_index(piece)) || !task->meta().content_length) {
    ctx_.stats.upload_rejected.add();
    co_await net::write_simple(w, 404, "text/plain", "piece not held here\n");
    co_return;
  }
  task->touch();
  const auto layout = task->meta().layout();
  const std::uint64_t offset = layout.offset(piece_index(piece)), length = layout.length(piece_index(piece));
  const std::string digest = task->meta().piece_digests[piece];
  const auto file = task->file();  // kept open until the piece is sent
  ctx_.stats.upload_requests.add();
  const auto began = std::chrono::steady_clock::now();
  const net::header_map headers{{"Content-Type", "application/octet-stream"}, {"X-Dragonfly-Piece-Digest", "sha256:" + digest},
                                {"X-Dragonfly-Task-ID", task_id}};
  const auto head = co_await w.write_head(200, headers, length);
  if (!head) co_return;
  if (ctx_.cfg.upload.corrupt_for_testing) {  // tests only: serve flipped bytes
    auto job = [file, offset, length] { return file->read(offset, length); };
    auto data = co_await run_blocking(ctx_.pool, std::move(job));
    if (!data) co_return;
    if (!data->empty()) (*data)[0] ^= std::byte{0xff};
    const std::span<const std::byte> bytes(*data);
    co_await w.write_body(bytes);
    co_return;
  }
  // Unlimited: the whole piece in one sendfile loop. Limited: chunks paced by the token bucket.
  const std::uint64_t chunk = ctx_.upload_limit.rate() == 0 ? length : write_chunk;
  for (std::uint64_t sent = 0; sent < length;) {
    const std::uint64_t n = std::min(chunk, length - sent);
    co_await ctx_.upload_limit.acquire(n);
    const auto written = co_await w.write_file(file->native_handle(), offset + sent, n);
    if (!written) co_return;
    sent += n;
    ctx_.stats.upload_bytes.add(n);
  }
  ctx_.stats.upload_serve_time.observe(std::chrono::steady_clock::now() - began);
}

}  // namespace df::daemon
