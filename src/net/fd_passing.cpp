#include "net/fd_passing.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace df::net {
namespace {

// One byte of payload plus room for one descriptor, wired into a msghdr.
struct fd_message {
  char byte = 'F';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  fd_message() {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
};

}  // namespace

bool send_fd(int socket_fd, int fd) {
  fd_message m;
  cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return ::sendmsg(socket_fd, &m.msg, MSG_NOSIGNAL) == 1;
}

received_fd try_receive_fd(int socket_fd) {
  fd_message m;
  const ssize_t n = ::recvmsg(socket_fd, &m.msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return {received_fd::status::would_block};
  if (n <= 0) return {received_fd::status::failed};
  const cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
    return {received_fd::status::failed};
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return {received_fd::status::ok, fd};
}

}  // namespace df::net
