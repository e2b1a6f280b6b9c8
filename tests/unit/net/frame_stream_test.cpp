#include "net/frame_stream.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

namespace df::net {
namespace {

// Two connected unix-domain stream sockets on one io_context.
struct unix_pair {
  asio::io_context io;
  int fds[2] = {-1, -1};
  unix_pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  frame_stream::socket_type take(int i) {
    return frame_stream::socket_type(io, asio::generic::stream_protocol(AF_UNIX, SOCK_STREAM), fds[i]);
  }
};

// Reads `count` frames from `stream` on the io_context; returns their payloads.
std::vector<std::string> read_frames(asio::io_context& io, std::shared_ptr<frame_stream> stream, std::size_t count) {
  std::vector<std::string> got;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    while (got.size() < count) {
      auto f = co_await stream->read();
      if (!f) co_return;
      got.push_back(std::move(f->payload));
    }
  }, asio::detached);
  io.run_for(std::chrono::seconds(10));
  return got;
}

TEST(frame_stream, read_ahead_splits_frames_across_and_within_reads) {
  unix_pair p;
  auto reader = std::make_shared<frame_stream>(p.take(0), true);
  const std::vector<std::string> payloads{"first", std::string(10000, 'x'), "", "last"};  // one over 4 KiB
  std::string bytes;
  for (const auto& s : payloads) bytes += encode_frame(frame_kind::message, s);
  // A header cut in two, then everything else at once: frames start mid-read and span reads.
  ASSERT_EQ(::write(p.fds[1], bytes.data(), 3), 3);
  ASSERT_EQ(::write(p.fds[1], bytes.data() + 3, bytes.size() - 3), static_cast<ssize_t>(bytes.size() - 3));
  EXPECT_EQ(read_frames(p.io, reader, payloads.size()), payloads);
}

TEST(frame_stream, queued_frames_arrive_whole_and_in_order) {
  unix_pair p;
  auto writer = std::make_shared<frame_stream>(p.take(1));
  auto reader = std::make_shared<frame_stream>(p.take(0));
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {  // more than one gathered write holds
    sent.push_back("message " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 7, '.'));
    writer->send(frame_kind::message, sent.back());
  }
  EXPECT_EQ(read_frames(p.io, reader, sent.size()), sent);
}

TEST(frame_stream, a_payload_larger_than_one_growth_step_arrives_whole) {
  unix_pair p;
  auto writer = std::make_shared<frame_stream>(p.take(1));
  auto reader = std::make_shared<frame_stream>(p.take(0), true);
  std::string big(300 * 1024 + 7, '\0');  // several 64 KiB growth steps and a remainder
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  writer->send(frame_kind::message, big);
  EXPECT_EQ(read_frames(p.io, reader, 1), std::vector<std::string>{big});
}

TEST(frame_stream, a_frame_over_the_callers_limit_is_refused_after_its_header) {
  unix_pair p;
  auto reader = std::make_shared<frame_stream>(p.take(0), true);
  const auto header = encode_frame_header(frame_kind::message, 32 << 10);
  ASSERT_EQ(::write(p.fds[1], header.data(), header.size()), static_cast<ssize_t>(header.size()));
  std::optional<boost::system::error_code> error;
  asio::co_spawn(p.io, [&]() -> awaitable<void> {
    auto f = co_await reader->read(16 << 10);
    if (!f) error = f.error();
  }, asio::detached);
  p.io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(error.has_value());  // answered at once: the announced payload was never waited for
  EXPECT_EQ(*error, make_error_code(errc::message_too_large));
}

TEST(frame_stream, a_half_sent_frame_ends_in_an_error_when_the_peer_closes) {
  unix_pair p;
  auto reader = std::make_shared<frame_stream>(p.take(0), true);
  std::string bytes = encode_frame(frame_kind::message, std::string(100000, 'x'));
  bytes.resize(70000);
  ASSERT_EQ(::write(p.fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(p.fds[1]);
  std::optional<boost::system::error_code> error;
  asio::co_spawn(p.io, [&]() -> awaitable<void> {
    auto f = co_await reader->read();
    if (!f) error = f.error();
  }, asio::detached);
  p.io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, asio::error::eof);
}

}  // namespace
}  // namespace df::net
