#include "net/frame_stream.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace df::net {

awaitable<result<frame>> frame_stream::read() {
  std::array<char, frame_header_size> header{};
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(header), use_nothrow);
  if (ec) co_return ec;
  auto decoded = decode_frame_header(std::string_view(header.data(), header.size()));
  if (!decoded) co_return decoded.error();
  frame f{decoded->kind, std::string(decoded->length, '\0')};
  if (decoded->length > 0) {
    auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(f.payload), use_nothrow);
    if (ec2) co_return ec2;
  }
  co_return f;
}

awaitable<result<void>> frame_stream::write(frame_kind kind, std::string_view payload) {
  const auto header = encode_frame_header(kind, static_cast<std::uint32_t>(payload.size()));
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(payload)};
  auto [ec, n] = co_await asio::async_write(socket_, buffers, use_nothrow);
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
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(queue_.front()), use_nothrow);
    if (ec) {
      close();
      break;
    }
    queue_.pop_front();
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
