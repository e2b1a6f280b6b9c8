#include "storage/task_file.hpp"

#include "core/digest.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace df::storage {
namespace {

boost::system::error_code io_error(int err) {
  return err == ENOSPC || err == EDQUOT ? make_error_code(errc::disk_full) : make_error_code(errc::storage_io);
}

}  // namespace

result<task_file> task_file::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(errno);
  return task_file(fd);
}

task_file& task_file::operator=(task_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

task_file::~task_file() {
  if (fd_ >= 0) ::close(fd_);
}

result<void> task_file::write_all(std::uint64_t offset, std::span<const std::byte> data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

result<void> task_file::write_verified(std::uint64_t offset, std::span<const std::byte> data,
                                       const std::string& expected_hex) {
  if (sha256_hex(data) != expected_hex) return errc::piece_digest_mismatch;
  return write_all(offset, data);
}

result<std::string> task_file::write_new(std::uint64_t offset, std::span<const std::byte> data) {
  std::string digest = sha256_hex(data);
  if (auto r = write_all(offset, data); !r) return r.error();
  return digest;
}

result<void> task_file::read_into(std::uint64_t offset, std::span<std::byte> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(errno);
    }
    if (n == 0) return errc::storage_io;  // file shorter than its metadata says
    done += static_cast<std::size_t>(n);
  }
  return {};
}

result<std::vector<std::byte>> task_file::read(std::uint64_t offset, std::uint64_t length) const {
  std::vector<std::byte> out(length);
  if (auto r = read_into(offset, out); !r) return r.error();
  return out;
}

result<void> task_file::truncate(std::uint64_t length) {
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) return io_error(errno);
  return {};
}

}  // namespace df::storage
