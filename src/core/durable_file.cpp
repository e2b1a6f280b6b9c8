#include "core/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace df {

namespace {

boost::system::error_code last_error() { return {errno, boost::system::generic_category()}; }

// Writes all of `text` to `fd` and fsyncs it; closes `fd` in every case.
result<void> write_all_and_sync(int fd, std::string_view text) {
  for (std::size_t done = 0; done < text.size();) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;  // a regular file that takes nothing
      const auto ec = last_error();
      ::close(fd);
      return ec;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const auto ec = last_error();
    ::close(fd);
    return ec;
  }
  if (::close(fd) != 0) return last_error();
  return {};
}

// Makes a rename or a creation in `dir` durable.
result<void> sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  const bool ok = ::fsync(fd) == 0;
  const auto ec = last_error();
  ::close(fd);
  if (!ok) return ec;
  return {};
}

}  // namespace

result<void> replace_file_durably(const std::filesystem::path& file, std::string_view text, mode_t mode) {
  const std::string temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return last_error();
  if (auto r = write_all_and_sync(fd, text); !r) {
    ::unlink(temp.c_str());
    return r;
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    const auto ec = last_error();
    ::unlink(temp.c_str());
    return ec;
  }
  return sync_directory(file.parent_path());
}

result<void> append_durably(const std::filesystem::path& file, std::string_view text, mode_t mode) {
  const bool existed = ::access(file.c_str(), F_OK) == 0;
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
  if (fd < 0) return last_error();
  if (auto r = write_all_and_sync(fd, text); !r) return r;
  if (!existed) return sync_directory(file.parent_path());
  return {};
}

}  // namespace df
