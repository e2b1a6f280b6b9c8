#include "storage/task_file.hpp"

#include "core/digest.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
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
    write_mutex_ = std::move(other.write_mutex_);
  }
  return *this;
}

task_file::~task_file() {
  if (fd_ >= 0) ::close(fd_);
}

result<void> task_file::write_all(std::uint64_t offset, std::span<const std::byte> data) {
  const std::lock_guard lock(*write_mutex_);
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

bool task_file::matches(std::uint64_t offset, std::uint64_t length, const std::string& expected_hex) const {
  if (expected_hex.empty()) return false;
  const auto data = read(offset, length);
  return data && sha256_hex(*data) == expected_hex;
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

result<std::string> task_file::sha256(std::uint64_t length) const {
  sha256_hasher hasher;
  std::vector<std::byte> chunk(std::min<std::uint64_t>(length, 4 << 20));
  for (std::uint64_t done = 0; done < length;) {
    const std::span<std::byte> part(chunk.data(), static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), length - done)));
    if (auto r = read_into(done, part); !r) return r.error();
    hasher.update(part);
    done += part.size();
  }
  return hasher.final_hex();
}

result<void> task_file::copy_to(int out_fd, std::uint64_t offset, std::uint64_t length) const {
  auto in = static_cast<loff_t>(offset), out = static_cast<loff_t>(offset);
  while (length > 0) {
    const ssize_t n = ::copy_file_range(fd_, &in, out_fd, &out, static_cast<std::size_t>(length), 0);
    if (n > 0) {
      length -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) return errc::storage_io;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return io_error(errno);
    // Not supported between these files: copy through a buffer.
    std::vector<std::byte> buf(std::min<std::uint64_t>(length, 1 << 20));
    while (length > 0) {
      const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(length, buf.size()));
      if (auto r = read_into(static_cast<std::uint64_t>(in), std::span(buf.data(), chunk)); !r) return r;
      std::size_t done = 0;
      while (done < chunk) {
        const ssize_t w = ::pwrite(out_fd, buf.data() + done, chunk - done, out + static_cast<loff_t>(done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return io_error(errno);
        done += static_cast<std::size_t>(w);
      }
      in += static_cast<loff_t>(chunk);
      out += static_cast<loff_t>(chunk);
      length -= chunk;
    }
  }
  return {};
}

result<std::int64_t> task_file::mtime_ns() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return io_error(errno);
  return std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

result<void> task_file::sync() const {
  if (::fdatasync(fd_) != 0) return io_error(errno);
  return {};
}

result<void> task_file::truncate(std::uint64_t length) {
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) return io_error(errno);
  return {};
}

}  // namespace df::storage
