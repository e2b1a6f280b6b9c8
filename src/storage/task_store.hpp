#pragma once
// The data directory: one folder per task holding its data file and metadata, reloaded at start-up.

#include "storage/task_file.hpp"
#include "storage/task_metadata.hpp"

#include <filesystem>
#include <string>
#include <unordered_map>

namespace df::storage {

/// Owns the data directory's layout and every task's metadata. Thread contract: one owning thread
/// calls every method; task_file handles it returns may be used from any thread.
///
/// Layout: <data_dir>/tasks/<first 3 hex of id>/<id>/{data,meta.json}
class task_store {
 public:
  /// Creates the directory when missing and loads every task whose metadata parses; others are removed.
  static result<task_store> open(const std::filesystem::path& data_dir);

  /// The metadata of a stored task, or nullptr. The pointer stays valid until remove().
  task_metadata* find(const std::string& task_id);
  /// Starts a new, empty task (any stale files of that ID are discarded).
  result<task_metadata*> create(const std::string& task_id, const std::string& url);
  /// Opens the task's data file for reading and writing.
  result<task_file> open_file(const std::string& task_id) const;
  /// Writes the metadata atomically (temporary file, fsync, rename).
  result<void> save(const task_metadata& m) const;
  /// Deletes the task's files and metadata.
  void remove(const std::string& task_id);

  std::size_t task_count() const { return tasks_.size(); }
  const std::filesystem::path& root() const { return root_; }

 private:
  explicit task_store(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path task_dir(const std::string& task_id) const;

  std::filesystem::path root_;
  std::unordered_map<std::string, task_metadata> tasks_;
};

}  // namespace df::storage
