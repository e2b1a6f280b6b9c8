#pragma once
// The data directory: one folder per task holding its data file and metadata, reloaded at start-up.

#include "storage/task_file.hpp"
#include "storage/task_metadata.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <unordered_map>
#include <vector>

namespace df::storage {

/// Owns the data directory's layout; persists and reloads task metadata (the tasks themselves own
/// their metadata while they run). Thread contract: one owning thread calls every method except
/// save(), which touches only the filesystem and may run on a worker thread (one save per task at
/// a time); the task_file handles it returns may be used from any thread.
///
/// Layout: <data_dir>/tasks/<first 3 hex of id>/<id>/{data,meta.json}
class task_store {
 public:
  /// Creates the directory when missing and loads every task whose metadata parses; others are removed.
  static result<task_store> open(const std::filesystem::path& data_dir);

  /// Hands over the metadata found at start-up for a task (once), or nothing.
  std::optional<task_metadata> take(const std::string& task_id);
  /// The metadata found at start-up for a task, without taking it; nullptr when none.
  const task_metadata* peek(const std::string& task_id) const;
  /// IDs of the tasks found at start-up and not taken yet.
  std::vector<std::string> loaded_ids() const;
  /// Prepares an empty folder for a new task (stale files of that ID are discarded).
  result<void> prepare(const std::string& task_id);
  /// Opens the task's data file for reading and writing.
  result<task_file> open_file(const std::string& task_id) const;
  /// Writes the metadata atomically (temporary file, fsync, rename). With `discarded`, does nothing
  /// once it is set: checked under the same lock as remove() and prepare(), so a late save of a
  /// failed task can never land in the folder of a newer attempt.
  result<void> save(const task_metadata& m, const std::atomic<bool>* discarded = nullptr) const;
  /// Deletes the task's files.
  void remove(const std::string& task_id);

  const std::filesystem::path& root() const { return root_; }
  /// Where the task's data file is (what a hard-linked output points at).
  std::filesystem::path data_path(const std::string& task_id) const { return task_dir(task_id) / "data"; }

 private:
  explicit task_store(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path task_dir(const std::string& task_id) const;

  std::filesystem::path root_;
  std::unique_ptr<std::mutex> fs_mutex_ = std::make_unique<std::mutex>();  // save vs prepare/remove
  std::unordered_map<std::string, task_metadata> loaded_;
};

}  // namespace df::storage
