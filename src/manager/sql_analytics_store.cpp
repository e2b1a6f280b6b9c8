#include "manager/sql_analytics_store.hpp"

#include "manager/sql_guarded.hpp"

#include <algorithm>

namespace df::manager {

namespace {

constexpr const char* download_columns =
    "id, finished_at, scheduler_cluster_id, host_id, hostname, task_id, duration_ms, content_bytes, "
    "bytes_from_peers, bytes_from_origin, success, error_class FROM downloads";

download_record download_from(const sql_row& r) {
  download_record d;
  d.id = sql_int(r[0]);
  d.finished_at = sql_int(r[1]);
  d.cluster_id = sql_int(r[2]);
  d.host_id = r[3];
  d.hostname = r[4];
  d.task_id = r[5];
  d.duration_ms = sql_int(r[6]);
  d.content_bytes = sql_int(r[7]);
  d.bytes_from_peers = sql_int(r[8]);
  d.bytes_from_origin = sql_int(r[9]);
  d.success = sql_int(r[10]) != 0;
  d.error_class = r[11];
  return d;
}

class sql_analytics_store final : public analytics_store {
 public:
  explicit sql_analytics_store(sql_connection& db) : db_(db) {}

  result<void> add_downloads(const std::vector<download_record>& rows) override {
    return sql_in_transaction(db_, [&]() -> result<void> {
      for (const auto& d : rows)
        db_.query("INSERT INTO downloads (finished_at, scheduler_cluster_id, host_id, hostname, task_id, duration_ms, "
                  "content_bytes, bytes_from_peers, bytes_from_origin, success, error_class) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                  {d.finished_at, d.cluster_id, d.host_id, d.hostname, d.task_id, d.duration_ms, d.content_bytes,
                   d.bytes_from_peers, d.bytes_from_origin, std::int64_t{d.success ? 1 : 0}, d.error_class});
      return {};
    });
  }

  result<std::vector<download_record>> downloads_between(std::int64_t from, std::int64_t to, std::int64_t cluster_id,
                                                         std::size_t limit) override {
    return sql_guarded([&]() -> result<std::vector<download_record>> {
      const auto n = static_cast<std::int64_t>(limit);
      const std::string where = std::string("SELECT ") + download_columns + " WHERE finished_at >= $1 AND finished_at < $2";
      const auto rows = cluster_id == 0
                            ? db_.query(where + " ORDER BY finished_at LIMIT $3", {from, to, n})
                            : db_.query(where + " AND scheduler_cluster_id = $4 ORDER BY finished_at LIMIT $3",
                                        {from, to, n, cluster_id});
      std::vector<download_record> out;
      for (const auto& r : rows) out.push_back(download_from(r));
      return out;
    });
  }

  result<std::vector<download_record>> jobs_between(std::int64_t from, std::int64_t to, std::size_t limit) override {
    return sql_guarded([&]() -> result<std::vector<download_record>> {
      std::vector<download_record> out;
      for (const auto& r : db_.query("SELECT finished_at, created_at, state FROM jobs WHERE finished_at >= $1 AND "
                                     "finished_at < $2 AND state IN ('SUCCESS', 'FAILURE') ORDER BY finished_at LIMIT $3",
                                     {from, to, static_cast<std::int64_t>(limit)})) {
        download_record d;
        d.finished_at = sql_int(r[0]);
        d.duration_ms = std::max<std::int64_t>(0, d.finished_at - sql_int(r[1]));
        d.success = r[2] == "SUCCESS";
        out.push_back(std::move(d));
      }
      return out;
    });
  }

  result<std::uint64_t> prune_downloads(std::int64_t before, std::uint64_t max_rows) override {
    return sql_guarded([&]() -> result<std::uint64_t> {
      std::uint64_t deleted = db_.query("DELETE FROM downloads WHERE finished_at < $1 RETURNING id", {before}).size();
      // The hard cap: everything at or below the id of the (max_rows + 1)-th newest row goes.
      const auto cut = db_.query("SELECT id FROM downloads ORDER BY id DESC LIMIT 1 OFFSET $1",
                                 {static_cast<std::int64_t>(max_rows)});
      if (!cut.empty())
        deleted += db_.query("DELETE FROM downloads WHERE id <= $1 RETURNING id", {sql_int(cut[0][0])}).size();
      return deleted;
    });
  }

 private:
  sql_connection& db_;
};

}  // namespace

std::unique_ptr<analytics_store> make_sql_analytics_store(sql_connection& db) {
  return std::make_unique<sql_analytics_store>(db);
}

}  // namespace df::manager
