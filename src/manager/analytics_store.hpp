#pragma once
// Where the analytics rows live (the `downloads` table, and the jobs table read for job
// durations): the analytics half of the store, on its connection and thread (store.hpp).

#include "core/error.hpp"
#include "manager/analytics.hpp"

#include <cstdint>
#include <vector>

namespace df::manager {

/// The download records and the reads the analytics API aggregates; see store.hpp's threading.
class analytics_store {
 public:
  virtual ~analytics_store() = default;
  /// Stores every record in one transaction (all or none).
  virtual result<void> add_downloads(const std::vector<download_record>& rows) = 0;
  /// Records finished in [from, to), of one cluster (0: every cluster), oldest first, at most `limit`.
  virtual result<std::vector<download_record>> downloads_between(std::int64_t from, std::int64_t to,
                                                                 std::int64_t cluster_id, std::size_t limit) = 0;
  /// Jobs that finished (SUCCESS or FAILURE) in [from, to) as records: finished_at, duration
  /// (created → finished) and success; at most `limit`.
  virtual result<std::vector<download_record>> jobs_between(std::int64_t from, std::int64_t to, std::size_t limit) = 0;
  /// Deletes records finished before `before`, then the oldest past `max_rows`; the number deleted.
  virtual result<std::uint64_t> prune_downloads(std::int64_t before, std::uint64_t max_rows) = 0;
};

}  // namespace df::manager
