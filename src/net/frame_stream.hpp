#pragma once
// A framed connection (net/frame.hpp) over a TCP or unix-domain stream socket.

#include "net/asio.hpp"
#include "net/frame.hpp"

#include <boost/asio/generic/stream_protocol.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <span>
#include <string>

namespace boost::asio::ssl {
class context;
}
struct ssl_st;

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

  /// `buffered_reads`: read ahead in large chunks (fewer system calls for many small frames).
  /// Only for streams that carry nothing but frames: a read-ahead would swallow a byte that
  /// carries a passed file descriptor (the local API).
  explicit frame_stream(socket_type socket, bool buffered_reads = false);
  ~frame_stream();

  /// Performs a TLS handshake (as the accepting or the connecting side) within `timeout`; every
  /// frame after it is encrypted. Call before the first read or write.
  awaitable<result<void>> start_tls(asio::ssl::context& ctx, bool accepting, std::chrono::milliseconds timeout);
  /// The TLS session after start_tls (for the other end's certificate), null on a plain stream.
  ssl_st* tls_session() const;

  /// The next frame; EOF, a malformed header or a frame over `max_payload` bytes (at most the
  /// protocol's limit) is an error. The payload's memory grows as its bytes arrive, not as the
  /// header announces them: a peer that announces 4 MiB and sends 5 bytes costs 5 bytes.
  awaitable<result<frame>> read(std::uint32_t max_payload = max_message_payload);
  /// Writes one frame and waits until it is handed to the kernel.
  awaitable<result<void>> write(frame_kind kind, std::string_view payload);
  /// Queues a frame; a writer coroutine sends queued frames in order. Errors close the stream.
  void send(frame_kind kind, std::string payload);
  void close();
  bool is_open() const { return socket_.is_open(); }
  socket_type& socket() { return socket_; }

 private:
  awaitable<void> drain();
  // The byte transport: the socket itself, or the TLS layer over it.
  awaitable<std::tuple<boost::system::error_code, std::size_t>> read_all(asio::mutable_buffer out);
  awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(asio::mutable_buffer out);
  template <class Buffers>
  awaitable<std::tuple<boost::system::error_code, std::size_t>> write_all(const Buffers& buffers);
  /// Reads exactly out.size() bytes, from the read-ahead buffer first when there is one.
  awaitable<boost::system::error_code> read_exact(std::span<char> out);

  struct tls_layer;
  socket_type socket_;
  std::unique_ptr<tls_layer> tls_;
  bool buffered_reads_ = false;
  std::string read_ahead_;       // bytes received but not consumed yet (buffered_reads_ only)
  std::size_t read_ahead_at_ = 0;
  std::deque<std::string> queue_;
  bool writing_ = false;
};

}  // namespace df::net
