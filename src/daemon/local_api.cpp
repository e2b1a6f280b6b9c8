#include "daemon/local_api.hpp"

#include "core/ids.hpp"
#include "core/url.hpp"
#include "daemon/context.hpp"
#include "daemon/task_manager.hpp"
#include "net/fd_passing.hpp"
#include "net/frame_stream.hpp"
#include "net/local_protocol.hpp"
#include "storage/task_file.hpp"
#include "storage/task_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include <filesystem>

namespace df::daemon {

namespace local = net::local;
using net::awaitable;

namespace {

constexpr std::size_t data_chunk = net::max_data_payload;
constexpr auto progress_interval = std::chrono::milliseconds(250);

// Every message is built as a named value before it is awaited on (see net/http_server.hpp).
awaitable<bool> send(net::frame_stream& s, const local::message& m) {
  const std::string text = local::encode(m);
  const auto r = co_await s.write(net::frame_kind::message, text);
  co_return static_cast<bool>(r);
}

awaitable<void> send_error(net::frame_stream& s, std::string_view type, std::string_view message, int origin_status) {
  const local::message m = local::download_error{std::string(type), std::string(message), origin_status};
  co_await send(s, m);
}

local::progress progress_of(const peer_task& t, bool cache_hit, std::uint64_t delivered) {
  if (cache_hit) return {0, 0, 0, t.meta().content_length.value_or(0), delivered};
  return {t.sources().from_peers, t.sources().from_seed, t.sources().from_origin, 0, delivered};
}

// Owns a file descriptor received from the client.
struct unique_fd {
  int fd = -1;
  unique_fd() = default;
  explicit unique_fd(int f) : fd(f) {}
  unique_fd(unique_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~unique_fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool same_filesystem(int a, int b) {
  struct stat sa {}, sb {};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev;
}

// Receives the one byte carrying the client's output file (SCM_RIGHTS) and checks that it is a
// regular file open for writing.
awaitable<result<unique_fd>> receive_output_fd(net::frame_stream& stream) {
  auto& sock = stream.socket();
  for (;;) {
    const auto got = net::try_receive_fd(sock.native_handle());
    if (got.state == net::received_fd::status::would_block) {
      auto [ec] = co_await sock.async_wait(net::frame_stream::socket_type::wait_read, net::use_nothrow);
      if (ec) co_return ec;
      continue;
    }
    if (got.state == net::received_fd::status::failed) co_return make_error_code(errc::malformed_message);
    const int fd = got.fd;
    unique_fd out(fd);
    struct stat st {};
    const int mode = ::fcntl(fd, F_GETFL);
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || mode < 0 || (mode & O_ACCMODE) == O_RDONLY)
      co_return make_error_code(errc::invalid_argument);
    co_return out;
  }
}

}  // namespace

local_api::local_api(daemon_context& ctx, task_manager& tasks)
    : ctx_(ctx), tasks_(tasks), access_(ctx), acceptor_(ctx.ex) {}

awaitable<bool> local_api::may_read(net::frame_stream& stream, const local::download_request& req,
                                    const std::string& task_id) {
  const auto held = tasks_.find(task_id);
  const storage::task_metadata* meta = held ? &held->meta() : ctx_.store.peek(task_id);
  if (!meta || !meta->credentialed) co_return true;  // fetched for whoever asks, with their own headers
  const bool known_public =
      held && held->state() == peer_task::phase::done && meta->public_content && !held->data_modified();
  const net::header_map headers(req.headers.begin(), req.headers.end());
  const auto decision = co_await access_.decide(headers, req.url, false, known_public);
  if (decision.what == access_decision::verdict::allowed) co_return true;
  const std::string text =
      decision.what == access_decision::verdict::denied
          ? fmt::format("access denied: this host holds the content, but the origin refuses this request's "
                        "credentials ({}); pass the ones it accepts with -H",
                        decision.message)
          : "cannot check with the origin whether this request may read the content: " + decision.message;
  co_await send_error(stream, "origin", text, decision.status);
  co_return false;
}

result<void> local_api::listen(const std::string& path) {
  std::error_code fs_ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), fs_ec);
  std::filesystem::remove(path, fs_ec);
  boost::system::error_code ec;
  const net::asio::local::stream_protocol::endpoint ep(path);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(net::asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  ::chmod(path.c_str(), 0660);
  path_ = path;
  net::asio::co_spawn(ctx_.ex, accept_loop(), net::asio::detached);
  return {};
}

void local_api::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::error_code fs_ec;
  if (!path_.empty()) std::filesystem::remove(path_, fs_ec);
}

awaitable<void> local_api::accept_loop() {
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(net::use_nothrow);
    if (ec == net::asio::error::operation_aborted) break;
    if (ec) continue;
    auto stream = std::make_shared<net::frame_stream>(net::frame_stream::socket_type(std::move(socket)));
    net::asio::co_spawn(ctx_.ex, session(stream), net::asio::detached);
  }
}

awaitable<void> local_api::session(std::shared_ptr<net::frame_stream> stream) {
  auto frame = co_await stream->read();
  if (!frame) co_return;
  auto decoded = local::decode(frame->payload);
  const auto* req = decoded ? std::get_if<local::download_request>(&*decoded) : nullptr;
  if (!req) {
    co_await send_error(*stream, "daemon", "malformed request: expected download_request", 0);
    co_return;
  }
  ctx_.stats.local_requests.add();
  unique_fd output;
  if (req->pass_fd) {
    auto fd = co_await receive_output_fd(*stream);
    if (!fd) {
      co_await send_error(*stream, "daemon", "expected a writable regular file from the client", 0);
      co_return;
    }
    output = std::move(*fd);
  }
  if (!parse_url(req->url)) {
    const std::string text = "invalid URL: " + req->url;
    co_await send_error(*stream, "daemon", text, 0);
    co_return;
  }
  const std::string task_id = compute_task_id({req->url, req->tag, req->application, req->filters});
  // A task ID is not a capability: content someone fetched here with credentials goes only to a
  // requester the origin would serve.
  const bool allowed = co_await may_read(*stream, *req, task_id);
  if (!allowed) co_return;
  auto acquired = tasks_.acquire(task_id, {req->url, req->headers, req->tag, req->application, req->filters,
                                           req->disable_back_to_source, req->rate_limit}, false);
  if (!acquired) {
    const std::string text = "cannot start task: " + acquired.error().message();
    co_await send_error(*stream, "daemon", text, 0);
    co_return;
  }
  std::shared_ptr<peer_task> task = *acquired;
  task->touch();
  // Hard-linking needs the requester's file on the filesystem of the data file; elsewhere the
  // bytes are copied into the file it passed.
  const bool link = req->link && output.fd >= 0 && same_filesystem(output.fd, task->file()->native_handle());
  const bool cache_hit = task->state() == peer_task::phase::done;
  if (cache_hit) ctx_.stats.cache_hits.add();

  std::size_t notices_sent = 0;
  std::uint64_t delivered = 0;
  auto last_progress = std::chrono::steady_clock::now();
  // Sends pending notices and, at most every progress_interval, a progress message.
  const auto report = [&](bool force) -> awaitable<bool> {
    while (notices_sent < task->notices().size()) {
      const local::message notice = local::notice{task->notices()[notices_sent++]};
      const bool ok = co_await send(*stream, notice);
      if (!ok) co_return false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (force || now - last_progress >= progress_interval) {
      last_progress = now;
      const local::message progress = progress_of(*task, cache_hit, delivered);
      const bool ok = co_await send(*stream, progress);
      if (!ok) co_return false;
    }
    co_return true;
  };
  const auto failed = [&]() -> awaitable<void> {
    co_await report(true);
    const auto& e = task->error();
    co_await send_error(*stream, e.error_type, e.message, e.origin_status);
  };

  // Wait for the layout, then stream every piece in order as it is verified.
  while (!task->meta().content_length && task->state() == peer_task::phase::running) {
    const bool ok = co_await report(false);
    if (!ok) co_return;
    co_await task->changed().wait_for(progress_interval);
  }
  if (task->state() == peer_task::phase::failed) {
    co_await failed();
    co_return;
  }
  const auto length = static_cast<std::int64_t>(*task->meta().content_length);
  const local::message started = local::download_started{task_id, length};
  const bool started_sent = co_await send(*stream, started);
  if (!started_sent) co_return;

  const std::uint32_t count = task->meta().layout().piece_count();
  const std::uint32_t generation = task->generation();
  for (std::uint32_t i = 0; i < count; ++i) {
    while (!task->meta().verified.has(piece_index(i)) || task->generation() != generation) {
      if (task->generation() != generation) {
        co_await send_error(*stream, "origin", "the content changed at the origin during the download; retry", 0);
        co_return;
      }
      if (task->state() == peer_task::phase::failed) {
        co_await failed();
        co_return;
      }
      const bool ok = co_await report(false);
      if (!ok) co_return;
      co_await task->changed().wait_for(progress_interval);
    }
    const auto layout = task->meta().layout();
    auto file = task->file();
    const std::uint64_t offset = layout.offset(piece_index(i)), len = layout.length(piece_index(i));
    if (link) {  // nothing to hand over until the end: the requester links the whole file
      delivered += len;
      const bool ok = co_await report(false);
      if (!ok) co_return;
      continue;
    }
    if (output.fd >= 0) {  // in-kernel copy into the requester's file
      auto copy = [file, fd = output.fd, offset, len] { return file->copy_to(fd, offset, len); };
      auto copied = co_await run_blocking(ctx_.pool, std::move(copy));
      if (!copied) {
        const std::string text = copied.error() == errc::disk_full ? "no space left for the output file"
                                                                    : "cannot write the output file: " + copied.error().message();
        co_await send_error(*stream, "output", text, 0);
        co_return;
      }
      delivered += len;
      const bool ok = co_await report(false);
      if (!ok) co_return;
      continue;
    }
    auto job = [file, offset, len] { return file->read(offset, len); };
    auto data = co_await run_blocking(ctx_.pool, std::move(job));
    if (!data) {
      const std::string text = "cannot read stored piece: " + data.error().message();
      co_await send_error(*stream, "daemon", text, 0);
      co_return;
    }
    for (std::size_t sent = 0; sent < data->size(); sent += data_chunk) {
      const std::string_view chunk(reinterpret_cast<const char*>(data->data() + sent),
                                   std::min(data_chunk, data->size() - sent));
      const auto written = co_await stream->write(net::frame_kind::data, chunk);
      if (!written) co_return;  // dfget went away; the task goes on for the cache and other peers
    }
    delivered += len;
    const bool ok = co_await report(false);
    if (!ok) co_return;
  }
  // Every byte is out; wait for the task to be recorded complete (metadata saved) before saying so.
  while (task->state() == peer_task::phase::running) co_await task->changed().wait_for(progress_interval);
  if (task->state() == peer_task::phase::failed) {
    co_await failed();
    co_return;
  }
  co_await report(true);
  const local::message done =
      local::download_done{task_id, static_cast<std::uint64_t>(length), progress_of(*task, cache_hit, delivered),
                           task->back_to_source(), link ? ctx_.store.data_path(task_id).string() : std::string{}};
  co_await send(*stream, done);
}

}  // namespace df::daemon
