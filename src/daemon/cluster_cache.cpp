#include "daemon/cluster_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>

namespace df::daemon {

namespace {
constexpr std::uintmax_t max_cache_bytes = 1 << 20;  // the manager's answers are bounded the same
}

result<void> save_cluster_cache(const std::filesystem::path& file, const std::string& answer) {
  const auto temp = file.string() + ".tmp";
  // The error of the call that just failed; the temporary file goes (and its descriptor, if open).
  const auto fail = [&temp](int open_fd) -> result<void> {
    const boost::system::error_code ec(errno, boost::system::generic_category());
    if (open_fd >= 0) ::close(open_fd);
    ::unlink(temp.c_str());
    return ec;
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(-1);
  for (std::size_t done = 0; done < answer.size();) {
    const auto n = ::write(fd, answer.data() + done, answer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(fd);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(fd);
  if (::close(fd) != 0) return fail(-1);
  if (::rename(temp.c_str(), file.c_str()) != 0) return fail(-1);
  return {};
}

std::optional<std::string> load_cluster_cache(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > max_cache_bytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_cache_bytes) return std::nullopt;
  return text;
}

}  // namespace df::daemon
