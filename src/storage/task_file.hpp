#pragma once
// The data file of one task: positional reads and writes of whole pieces, with verification on write.

#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace df::storage {

/// An open data file. Thread contract: every method may run on any thread at once for distinct
/// pieces (pread/pwrite); the owner keeps it alive while any call runs.
class task_file {
 public:
  static result<task_file> open(const std::filesystem::path& path);
  task_file(task_file&& other) noexcept : fd_(other.fd_), write_mutex_(std::move(other.write_mutex_)) {
    other.fd_ = -1;
  }
  task_file& operator=(task_file&& other) noexcept;
  task_file(const task_file&) = delete;
  task_file& operator=(const task_file&) = delete;
  ~task_file();

  /// Hashes `data`; when it matches `expected_hex`, writes it at `offset`. The one place a piece
  /// received from a peer is verified before it is stored.
  result<void> write_verified(std::uint64_t offset, std::span<const std::byte> data,
                              const std::string& expected_hex);
  /// Writes a piece read from the origin and returns its sha256 hex (the digest the swarm will check).
  result<std::string> write_new(std::uint64_t offset, std::span<const std::byte> data);
  /// Reads `length` bytes at `offset`; a short file is an error.
  result<std::vector<std::byte>> read(std::uint64_t offset, std::uint64_t length) const;
  /// True when the `length` bytes at `offset` can be read and their sha256 hex is `expected_hex`
  /// (re-verifies a stored piece; an unreadable or short piece does not match).
  bool matches(std::uint64_t offset, std::uint64_t length, const std::string& expected_hex) const;
  /// The sha256 hex of the first `length` bytes (checks a whole blob against its digest).
  result<std::string> sha256(std::uint64_t length) const;
  /// Reads into `out` (exactly out.size() bytes).
  result<void> read_into(std::uint64_t offset, std::span<std::byte> out) const;
  /// The file descriptor, for zero-copy transfers (sendfile, copy_file_range); owned by this object.
  int native_handle() const { return fd_; }
  /// Copies `length` bytes at `offset` into `out_fd` at the same offset, inside the kernel
  /// (copy_file_range; read/write where that is not supported). ENOSPC → errc::disk_full.
  result<void> copy_to(int out_fd, std::uint64_t offset, std::uint64_t length) const;
  /// The file's modification time in nanoseconds since the epoch.
  result<std::int64_t> mtime_ns() const;
  /// Flushes the file's data to the disk (fdatasync).
  result<void> sync() const;
  /// Sets the file's length (for 0-byte tasks and the final size).
  result<void> truncate(std::uint64_t length);

 private:
  explicit task_file(int fd) : fd_(fd) {}
  result<void> write_all(std::uint64_t offset, std::span<const std::byte> data);
  int fd_ = -1;
  // Buffered writes to one file serialise on its inode lock anyway; waiting here sleeps instead
  // of spinning in the kernel. Hashing stays parallel.
  std::unique_ptr<std::mutex> write_mutex_ = std::make_unique<std::mutex>();
};

}  // namespace df::storage
