#include "storage/task_store.hpp"

#include "core/ids.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace df::storage {

namespace fs = std::filesystem;

result<task_store> task_store::open(const fs::path& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir / "tasks", ec);
  if (ec) return errc::storage_io;
  // Cached content is for the daemon (and, through hard links dfget makes, for whoever asked):
  // no other user may browse or read the cache by path.
  fs::permissions(data_dir / "tasks", fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return errc::storage_io;
  task_store store(data_dir);
  for (const auto& shard : fs::directory_iterator(data_dir / "tasks", ec)) {
    if (!shard.is_directory()) continue;
    for (const auto& dir : fs::directory_iterator(shard.path(), ec)) {
      std::ifstream in(dir.path() / "meta.json");
      std::stringstream text;
      text << in.rdbuf();
      auto meta = decode_metadata(text.str());
      if (!meta || meta->task_id != dir.path().filename().string()) {
        fs::remove_all(dir.path(), ec);  // unreadable metadata: the data cannot be trusted
        continue;
      }
      store.loaded_.emplace(meta->task_id, std::move(*meta));
    }
  }
  return store;
}

fs::path task_store::task_dir(const std::string& task_id) const {
  return root_ / "tasks" / task_id.substr(0, 3) / task_id;
}

std::optional<task_metadata> task_store::take(const std::string& task_id) {
  const auto it = loaded_.find(task_id);
  if (it == loaded_.end()) return std::nullopt;
  task_metadata m = std::move(it->second);
  loaded_.erase(it);
  return m;
}

const task_metadata* task_store::peek(const std::string& task_id) const {
  const auto it = loaded_.find(task_id);
  return it == loaded_.end() ? nullptr : &it->second;
}

std::vector<std::string> task_store::loaded_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, m] : loaded_) ids.push_back(id);
  return ids;
}

result<void> task_store::prepare(const std::string& task_id) {
  if (!is_valid_task_id(task_id)) return errc::invalid_argument;
  remove(task_id);
  const std::lock_guard lock(*fs_mutex_);
  std::error_code ec;
  fs::create_directories(task_dir(task_id), ec);
  if (ec) return ec == std::errc::no_space_on_device ? errc::disk_full : errc::storage_io;
  return {};
}

result<task_file> task_store::open_file(const std::string& task_id) const {
  if (!is_valid_task_id(task_id)) return errc::invalid_argument;
  return task_file::open(data_path(task_id));
}

result<void> task_store::save(const task_metadata& m, const std::atomic<bool>* discarded) const {
  const std::lock_guard lock(*fs_mutex_);
  if (discarded && discarded->load()) return {};
  const fs::path dir = task_dir(m.task_id);
  const fs::path tmp = dir / "meta.json.tmp";
  const std::string text = encode_metadata(m);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno == ENOSPC ? errc::disk_full : errc::storage_io;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int write_errno = errno;
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return write_errno == ENOSPC ? errc::disk_full : errc::storage_io;
  std::error_code ec;
  fs::rename(tmp, dir / "meta.json", ec);
  if (ec) return errc::storage_io;
  return {};
}

void task_store::remove(const std::string& task_id) {
  loaded_.erase(task_id);
  if (!is_valid_task_id(task_id)) return;
  const std::lock_guard lock(*fs_mutex_);
  std::error_code ec;
  fs::remove_all(task_dir(task_id), ec);
}

}  // namespace df::storage
