#pragma once
// A framed connection (net/frame.hpp) over a TCP or unix-domain stream socket.

#include "net/asio.hpp"
#include "net/frame.hpp"

#include <boost/asio/generic/stream_protocol.hpp>

#include <deque>
#include <memory>
#include <string>

namespace df::net {

/// One received frame.
struct frame {
  frame_kind kind;
  std::string payload;
};

/// Reads frames one at a time and writes them either directly (awaited, for back-pressure) or
/// through a queue (send, for fire-and-forget messages from many coroutines). A stream uses one
/// style of writing, not both. Owned by a shared_ptr; single-threaded like its executor.
class frame_stream : public std::enable_shared_from_this<frame_stream> {
 public:
  using socket_type = asio::generic::stream_protocol::socket;

  explicit frame_stream(socket_type socket) : socket_(std::move(socket)) {}

  /// The next frame; EOF, a malformed header or an oversized frame is an error.
  awaitable<result<frame>> read();
  /// Writes one frame and waits until it is handed to the kernel.
  awaitable<result<void>> write(frame_kind kind, std::string_view payload);
  /// Queues a frame; a writer coroutine sends queued frames in order. Errors close the stream.
  void send(frame_kind kind, std::string payload);
  void close();
  bool is_open() const { return socket_.is_open(); }
  socket_type& socket() { return socket_; }

 private:
  awaitable<void> drain();

  socket_type socket_;
  std::deque<std::string> queue_;
  bool writing_ = false;
};

}  // namespace df::net
