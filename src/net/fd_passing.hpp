#pragma once
// Passing a file descriptor over a unix-domain socket (SCM_RIGHTS), as dfget hands dfdaemon its
// output file.

namespace df::net {

/// Sends one byte carrying `fd` over the connected unix socket `socket_fd`; false on failure.
bool send_fd(int socket_fd, int fd);

/// The outcome of try_receive_fd.
struct received_fd {
  enum class status { ok, would_block, failed } state;
  int fd = -1;  // owned by the caller when state == ok
};

/// Receives one byte carrying a descriptor without blocking (the socket may be non-blocking).
received_fd try_receive_fd(int socket_fd);

}  // namespace df::net
