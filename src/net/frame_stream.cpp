#include "net/frame_stream.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace df::net {

namespace {
constexpr std::size_t read_ahead_chunk = 4096;  // per connection: 10,000 hosts cost 40 MiB
constexpr std::size_t max_gathered_frames = 64;  // frames handed to one write
constexpr std::size_t payload_growth = 64 << 10;  // a payload's buffer grows by this much as bytes arrive
}  // namespace

struct frame_stream::tls_layer {
  tls_layer(socket_type& socket, asio::ssl::context& ctx) : stream(socket, ctx) {}
  asio::ssl::stream<socket_type&> stream;
};

frame_stream::frame_stream(socket_type socket, bool buffered_reads)
    : socket_(std::move(socket)), buffered_reads_(buffered_reads) {}

frame_stream::~frame_stream() = default;

awaitable<result<void>> frame_stream::start_tls(asio::ssl::context& ctx, bool accepting,
                                                std::chrono::milliseconds timeout) {
  tls_ = std::make_unique<tls_layer>(socket_, ctx);
  asio::steady_timer guard(socket_.get_executor(), timeout);
  auto timed_out = std::make_shared<bool>(false);
  guard.async_wait([this, timed_out, alive = weak_from_this()](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    *timed_out = true;
    close();
  });
  const auto side = accepting ? asio::ssl::stream_base::server : asio::ssl::stream_base::client;
  auto [ec] = co_await tls_->stream.async_handshake(side, use_nothrow);
  guard.cancel();
  if (*timed_out) co_return errc::timeout;
  if (ec) co_return ec;
  co_return result<void>{};
}

ssl_st* frame_stream::tls_session() const { return tls_ ? tls_->stream.native_handle() : nullptr; }

awaitable<std::tuple<boost::system::error_code, std::size_t>> frame_stream::read_all(asio::mutable_buffer out) {
  if (tls_) co_return co_await asio::async_read(tls_->stream, out, use_nothrow);
  co_return co_await asio::async_read(socket_, out, use_nothrow);
}

awaitable<std::tuple<boost::system::error_code, std::size_t>> frame_stream::read_some(asio::mutable_buffer out) {
  if (tls_) co_return co_await tls_->stream.async_read_some(out, use_nothrow);
  co_return co_await socket_.async_read_some(out, use_nothrow);
}

template <class Buffers>
awaitable<std::tuple<boost::system::error_code, std::size_t>> frame_stream::write_all(const Buffers& buffers) {
  if (tls_) co_return co_await asio::async_write(tls_->stream, buffers, use_nothrow);
  co_return co_await asio::async_write(socket_, buffers, use_nothrow);
}

awaitable<boost::system::error_code> frame_stream::read_exact(std::span<char> out) {
  if (!buffered_reads_) {
    auto [ec, n] = co_await read_all(asio::buffer(out.data(), out.size()));
    co_return ec;
  }
  std::size_t filled = 0;
  while (filled < out.size()) {
    if (read_ahead_at_ == read_ahead_.size()) {
      read_ahead_.resize(read_ahead_chunk);
      read_ahead_at_ = 0;
      auto [ec, n] = co_await read_some(asio::buffer(read_ahead_));
      read_ahead_.resize(ec ? 0 : n);  // keeps its capacity: one allocation per connection
      if (ec) co_return ec;
    }
    const std::size_t take = std::min(out.size() - filled, read_ahead_.size() - read_ahead_at_);
    std::copy_n(read_ahead_.data() + read_ahead_at_, take, out.data() + filled);
    read_ahead_at_ += take;
    filled += take;
  }
  co_return boost::system::error_code{};
}

awaitable<result<frame>> frame_stream::read(std::uint32_t max_payload) {
  std::array<char, frame_header_size> header{};
  if (auto ec = co_await read_exact(header); ec) co_return ec;
  auto decoded = decode_frame_header(std::string_view(header.data(), header.size()));
  if (!decoded) co_return decoded.error();
  if (decoded->length > max_payload) co_return errc::message_too_large;
  frame f{decoded->kind, {}};
  while (f.payload.size() < decoded->length) {
    const std::size_t at = f.payload.size();
    f.payload.resize(std::min<std::size_t>(decoded->length, at + payload_growth));
    if (auto ec = co_await read_exact(std::span<char>(f.payload).subspan(at)); ec) co_return ec;
  }
  co_return f;
}

awaitable<result<void>> frame_stream::write(frame_kind kind, std::string_view payload) {
  const auto header = encode_frame_header(kind, static_cast<std::uint32_t>(payload.size()));
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(payload)};
  auto [ec, n] = co_await write_all(buffers);
  if (ec) co_return ec;
  co_return result<void>{};
}

void frame_stream::send(frame_kind kind, std::string payload) {
  if (!socket_.is_open()) return;
  queue_.push_back(encode_frame(kind, payload));
  if (writing_) return;
  writing_ = true;
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->drain(); }, asio::detached);
}

awaitable<void> frame_stream::drain() {
  while (!queue_.empty() && socket_.is_open()) {
    // Everything queued so far (up to a limit) in one gathered write: many small messages to one
    // host cost one system call, not one each.
    const std::size_t count = std::min(queue_.size(), max_gathered_frames);
    std::vector<asio::const_buffer> buffers;
    buffers.reserve(count);
    for (std::size_t i = 0; i < count; ++i) buffers.push_back(asio::buffer(queue_[i]));
    auto [ec, n] = co_await write_all(buffers);
    if (ec) {
      close();
      break;
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
  }
  queue_.clear();
  writing_ = false;
}

void frame_stream::close() {
  boost::system::error_code ignored;
  socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace df::net
