#include "manager/sql_store.hpp"

#include "manager/enrollment_store.hpp"
#include "manager/sql_analytics_store.hpp"
#include "manager/job_codec.hpp"
#include "manager/json_codec.hpp"
#include "manager/migrations.hpp"
#include "manager/sql_account_store.hpp"
#include "manager/sql_guarded.hpp"
#include "manager/sql_rows.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <functional>

namespace df::manager {

namespace {

std::string paged(const std::string& select, const std::string& order) {
  return "SELECT " + select + " ORDER BY " + order + " LIMIT $1 OFFSET $2";
}
// A LIKE pattern matching `text` anywhere, in lower case, with its own % _ ! escaped by '!'.
std::string like_pattern(std::string_view text) {
  std::string out = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out + "%";
}

std::vector<sql_param> page_params(page_request p) {
  return {std::int64_t{p.per_page}, std::int64_t{p.per_page} * (std::int64_t{p.page} - 1)};
}

class sql_store final : public store {
 public:
  explicit sql_store(std::unique_ptr<sql_connection> db) : db_(std::move(db)) {
    if (const int n = migrate(*db_)) spdlog::info("manager store: applied {} schema migration(s)", n);
    enrollment_ = make_sql_enrollment_store(*db_);
  }

  enrollment_store& enrollment() override { return *enrollment_; }

  result<scheduler_cluster> create_scheduler_cluster(const scheduler_cluster& c, std::int64_t now) override {
    return in_transaction([&]() -> result<scheduler_cluster> {
      if (c.is_default) db_->query("UPDATE scheduler_clusters SET is_default = 0");
      const auto rows = db_->query(
          "INSERT INTO scheduler_clusters (name, bio, scopes, config, is_default, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
          {c.name, c.bio, to_json(c.scopes).dump(), to_json(c.config).dump(), std::int64_t{c.is_default}, now});
      const auto id = sql_int(rows.at(0).at(0));
      db_->query("INSERT INTO seed_peer_clusters (name, bio, scheduler_cluster_id, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $4)",
                 {c.name, "paired with scheduler cluster " + c.name, id, now});
      return read_cluster(id);
    });
  }

  result<scheduler_cluster> get_scheduler_cluster(std::int64_t id) override {
    return guarded([&]() -> result<scheduler_cluster> { return read_cluster(id); });
  }

  result<scheduler_cluster> default_scheduler_cluster() override {
    return guarded([&]() -> result<scheduler_cluster> {
      const auto rows = db_->query(std::string("SELECT ") + cluster_columns + " WHERE c.is_default = 1 ORDER BY c.id LIMIT 1");
      if (rows.empty()) return store_errc::not_found;
      return cluster_from(rows[0]);
    });
  }

  result<page<scheduler_cluster>> list_scheduler_clusters(page_request p) override {
    return list<scheduler_cluster>(cluster_columns, "c.id", "scheduler_clusters", p, cluster_from);
  }

  result<std::vector<scheduler_cluster>> all_scheduler_clusters() override {
    return guarded([&]() -> result<std::vector<scheduler_cluster>> {
      std::vector<scheduler_cluster> out;
      for (const auto& r : db_->query(std::string("SELECT ") + cluster_columns + " ORDER BY c.id LIMIT $1",
                                      {std::int64_t{max_clusters_matched}}))
        out.push_back(cluster_from(r));
      return out;
    });
  }

  result<scheduler_cluster> update_scheduler_cluster(const scheduler_cluster& c, std::int64_t now) override {
    return in_transaction([&]() -> result<scheduler_cluster> {
      if (c.is_default) db_->query("UPDATE scheduler_clusters SET is_default = 0 WHERE id <> $1", {c.id});
      const auto rows = db_->query(
          "UPDATE scheduler_clusters SET name = $1, bio = $2, scopes = $3, config = $4, is_default = $5, "
          "updated_at = $6 WHERE id = $7 RETURNING id",
          {c.name, c.bio, to_json(c.scopes).dump(), to_json(c.config).dump(), std::int64_t{c.is_default}, now, c.id});
      if (rows.empty()) return store_errc::not_found;
      db_->query("UPDATE seed_peer_clusters SET name = $1, updated_at = $2 WHERE scheduler_cluster_id = $3",
                 {c.name, now, c.id});
      return read_cluster(c.id);
    });
  }

  result<void> delete_scheduler_cluster(std::int64_t id) override {
    return in_transaction([&]() -> result<void> {
      if (db_->query("DELETE FROM scheduler_clusters WHERE id = $1 RETURNING id", {id}).empty())
        return store_errc::not_found;
      return {};
    });
  }

  result<seed_peer_cluster> get_seed_peer_cluster(std::int64_t id) override {
    return guarded([&]() -> result<seed_peer_cluster> {
      const auto rows = db_->query(std::string("SELECT ") + seed_peer_cluster_columns + " WHERE id = $1", {id});
      if (rows.empty()) return store_errc::not_found;
      return seed_peer_cluster_from(rows[0]);
    });
  }

  result<page<seed_peer_cluster>> list_seed_peer_clusters(page_request p) override {
    return list<seed_peer_cluster>(seed_peer_cluster_columns, "id", "seed_peer_clusters", p, seed_peer_cluster_from);
  }

  result<scheduler_record> register_scheduler(const scheduler_record& s, std::int64_t now) override {
    return guarded([&]() -> result<scheduler_record> {
      const auto rows = db_->query(
          "INSERT INTO schedulers (hostname, ip, port, idc, location, scheduler_cluster_id, last_keepalive_at, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (hostname, ip, scheduler_cluster_id) "
          "DO UPDATE SET port = excluded.port, idc = excluded.idc, location = excluded.location, "
          "last_keepalive_at = excluded.last_keepalive_at RETURNING id",
          {s.hostname, s.ip, std::int64_t{s.port}, s.idc, s.location, s.scheduler_cluster_id, now});
      return get_scheduler(sql_int(rows.at(0).at(0)));
    });
  }

  result<void> keepalive_scheduler(std::int64_t id, std::int64_t now) override {
    return touch("schedulers", id, now);
  }

  result<scheduler_record> get_scheduler(std::int64_t id) override {
    return get_one<scheduler_record>(scheduler_columns, id, scheduler_from);
  }

  result<page<scheduler_record>> list_schedulers(page_request p, const component_filter& f) override {
    return list_components<scheduler_record>(scheduler_columns, "schedulers", true, p, f, scheduler_from);
  }

  result<std::vector<scheduler_record>> schedulers_alive_since(std::int64_t cluster_id, std::int64_t since) override {
    return alive<scheduler_record>(scheduler_columns, "scheduler_cluster_id", cluster_id, since, scheduler_from);
  }

  result<seed_peer_record> register_seed_peer(const seed_peer_record& s, std::int64_t now) override {
    return guarded([&]() -> result<seed_peer_record> {
      const auto rows = db_->query(
          "INSERT INTO seed_peers (hostname, ip, port, download_port, type, idc, location, seed_peer_cluster_id, "
          "last_keepalive_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) "
          "ON CONFLICT (hostname, ip, seed_peer_cluster_id) DO UPDATE SET port = excluded.port, "
          "download_port = excluded.download_port, type = excluded.type, idc = excluded.idc, "
          "location = excluded.location, last_keepalive_at = excluded.last_keepalive_at RETURNING id",
          {s.hostname, s.ip, std::int64_t{s.port}, std::int64_t{s.download_port}, s.type, s.idc, s.location,
           s.seed_peer_cluster_id, now});
      return get_seed_peer(sql_int(rows.at(0).at(0)));
    });
  }

  result<void> keepalive_seed_peer(std::int64_t id, std::int64_t now) override {
    return touch("seed_peers", id, now);
  }

  result<seed_peer_record> get_seed_peer(std::int64_t id) override {
    return get_one<seed_peer_record>(seed_peer_columns, id, seed_peer_from);
  }

  result<page<seed_peer_record>> list_seed_peers(page_request p, const component_filter& f) override {
    return list_components<seed_peer_record>(seed_peer_columns, "seed_peers", true, p, f, seed_peer_from);
  }

  result<std::vector<seed_peer_record>> seed_peers_alive_since(std::int64_t cluster_id, std::int64_t since) override {
    return alive<seed_peer_record>(seed_peer_columns, "seed_peer_cluster_id", cluster_id, since, seed_peer_from);
  }

  result<host_record> upsert_host(const host_record& h) override {
    return guarded([&]() -> result<host_record> {
      const auto rows = db_->query(
          "INSERT INTO hosts (hostname, ip, idc, location, version, cache_bytes, upload_rate_limit, "
          "scheduler_cluster_id, last_seen_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) "
          "ON CONFLICT (hostname, ip) DO UPDATE SET idc = excluded.idc, location = excluded.location, "
          "version = excluded.version, cache_bytes = excluded.cache_bytes, "
          "upload_rate_limit = excluded.upload_rate_limit, scheduler_cluster_id = excluded.scheduler_cluster_id, "
          "last_seen_at = excluded.last_seen_at RETURNING id",
          {h.hostname, h.ip, h.idc, h.location, h.version, static_cast<std::int64_t>(h.cache_bytes),
           static_cast<std::int64_t>(h.upload_rate_limit), h.scheduler_cluster_id, h.last_seen_at});
      return get_one<host_record>(host_columns, sql_int(rows.at(0).at(0)), host_from);
    });
  }

  result<page<host_record>> list_hosts(page_request p, const component_filter& f) override {
    return list_components<host_record>(host_columns, "hosts", false, p, f, host_from);
  }

  result<personal_access_token> create_token(const personal_access_token& t, std::int64_t now) override {
    return guarded([&]() -> result<personal_access_token> {
      const auto rows = db_->query(
          "INSERT INTO personal_access_tokens (name, bio, token_hash, scopes, state, expired_at, created_at, "
          "updated_at, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
          {t.name, t.bio, t.token_hash, json(t.scopes).dump(), t.state, t.expired_at, now, t.user_id});
      return get_token(sql_int(rows.at(0).at(0)));
    });
  }

  result<personal_access_token> get_token(std::int64_t id) override {
    return get_one<personal_access_token>(token_columns, id, token_from);
  }

  result<page<personal_access_token>> list_tokens(page_request p, std::int64_t user_id) override {
    if (user_id == 0) return list<personal_access_token>(token_columns, "id", "personal_access_tokens", p, token_from);
    return list_where<personal_access_token>(token_columns, "id", "personal_access_tokens", "user_id", user_id, p,
                                             token_from);
  }

  result<personal_access_token> update_token(const personal_access_token& t, std::int64_t now) override {
    return guarded([&]() -> result<personal_access_token> {
      if (db_->query("UPDATE personal_access_tokens SET bio = $1, state = $2, expired_at = $3, updated_at = $4 "
                     "WHERE id = $5 RETURNING id",
                     {t.bio, t.state, t.expired_at, now, t.id})
              .empty())
        return store_errc::not_found;
      return get_token(t.id);
    });
  }

  result<void> delete_token(std::int64_t id) override { return delete_row("personal_access_tokens", id); }

  result<personal_access_token> find_token(const std::string& hash) override {
    return guarded([&]() -> result<personal_access_token> {
      const auto rows = db_->query(std::string("SELECT ") + token_columns + " WHERE token_hash = $1", {hash});
      if (rows.empty()) return store_errc::not_found;
      return token_from(rows[0]);
    });
  }

  result<void> touch_token(std::int64_t id, std::int64_t now) override {
    return guarded([&]() -> result<void> {
      db_->query("UPDATE personal_access_tokens SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3",
                 {now, id, now - 60000});
      return {};
    });
  }

  result<job_record> create_job(const job_record& j, std::int64_t now) override {
    return guarded([&]() -> result<job_record> {
      const auto rows = db_->query(
          "INSERT INTO jobs (type, bio, args, scheduler_cluster_ids, cron, state, next_run_at, created_at, "
          "updated_at) VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $7)" + std::string(job_returning),
          {j.type, j.bio, j.args, json(j.scheduler_cluster_ids).dump(), j.cron, j.next_run_at, now});
      return job_from(rows.at(0));
    });
  }

  result<job_record> get_job(std::int64_t id) override { return get_one<job_record>(job_columns, id, job_from); }

  result<page<job_record>> list_jobs(page_request p, const std::string& state) override {
    if (state.empty()) return list<job_record>(job_columns, "id DESC", "jobs", p, job_from);
    return list_where<job_record>(job_columns, "id DESC", "jobs", "state", state, p, job_from);
  }

  result<void> delete_job(std::int64_t id) override { return delete_row("jobs", id); }

  result<job_record> update_job_bio(std::int64_t id, const std::string& bio, std::int64_t now) override {
    return guarded([&]() -> result<job_record> {
      const auto rows = db_->query("UPDATE jobs SET bio = $1, updated_at = $2 WHERE id = $3" + std::string(job_returning),
                                   {bio, now, id});
      if (rows.empty()) return store_errc::not_found;
      return job_from(rows[0]);
    });
  }

  result<job_record> cancel_job(std::int64_t id, std::int64_t now) override {
    return guarded([&]() -> result<job_record> {
      const auto rows = db_->query(
          "UPDATE jobs SET state = 'CANCELED', reason = 'canceled', lease_owner = '', lease_expires_at = 0, "
          "updated_at = $1, finished_at = $1 WHERE id = $2 AND state IN ('PENDING', 'RUNNING')" +
              std::string(job_returning),
          {now, id});
      if (!rows.empty()) return job_from(rows[0]);
      if (db_->query("SELECT id FROM jobs WHERE id = $1", {id}).empty()) return store_errc::not_found;
      return store_errc::conflict;
    });
  }

  result<std::optional<job_record>> claim_job(const std::string& owner, std::int64_t now, std::int64_t lease_ms,
                                              std::int64_t max_attempts) override {
    return guarded([&]() -> result<std::optional<job_record>> {
      // A job whose runners died max_attempts times is not tried again: it fails, saying why.
      db_->query(
          "UPDATE jobs SET state = 'FAILURE', lease_owner = '', finished_at = $1, updated_at = $1, "
          "reason = 'the managers running it stopped answering ' || attempts || ' times (lease expired); "
          "copy the job to try again' WHERE state = 'RUNNING' AND lease_expires_at < $1 AND attempts >= $2",
          {now, max_attempts});
      // PostgreSQL locks the chosen row and skips rows other replicas are claiming; SQLite has one
      // writer, so the statement is atomic as it stands.
      const std::string lock = db_->dialect() == sql_dialect::postgres ? " FOR UPDATE SKIP LOCKED" : "";
      const auto rows = db_->query(
          "UPDATE jobs SET state = 'RUNNING', lease_owner = $1, lease_expires_at = $2, attempts = attempts + 1, "
          "started_at = $3, updated_at = $3 WHERE id = (SELECT id FROM jobs WHERE (state = 'PENDING' AND "
          "next_run_at <= $3) OR (state = 'RUNNING' AND lease_expires_at < $3) ORDER BY id LIMIT 1" + lock + ")" +
              std::string(job_returning),
          {owner, now + lease_ms, now});
      if (rows.empty()) return std::optional<job_record>();
      return std::optional<job_record>(job_from(rows[0]));
    });
  }

  result<bool> renew_lease(std::int64_t id, const std::string& owner, std::int64_t until) override {
    return guarded([&]() -> result<bool> {
      return !db_->query("UPDATE jobs SET lease_expires_at = $1 WHERE id = $2 AND lease_owner = $3 AND "
                         "state = 'RUNNING' RETURNING id",
                         {until, id, owner})
                  .empty();
    });
  }

  result<void> release_leases(const std::string& owner) override {
    return guarded([&]() -> result<void> {
      db_->query("UPDATE jobs SET lease_expires_at = 0 WHERE lease_owner = $1 AND state = 'RUNNING'", {owner});
      return {};
    });
  }

  result<bool> finish_job(std::int64_t id, const std::string& owner, job_state state, const std::string& outcome,
                          const std::string& reason, std::int64_t now, std::int64_t next_run_at) override {
    return guarded([&]() -> result<bool> {
      // A scheduled job goes back to PENDING for its next run, keeping this run's result.
      return !db_->query(
                  "UPDATE jobs SET state = CASE WHEN cron = '' THEN $1 ELSE 'PENDING' END, result = $2, reason = $3, "
                  "lease_owner = '', lease_expires_at = 0, finished_at = $4, updated_at = $4, next_run_at = $5 "
                  "WHERE id = $6 AND lease_owner = $7 AND state = 'RUNNING' RETURNING id",
                  {std::string(to_string(state)), outcome, reason, now, next_run_at, id, owner})
                  .empty();
    });
  }

  result<counts> count(std::int64_t since) override {
    return guarded([&]() -> result<counts> {
      const auto rows = db_->query(
          "SELECT (SELECT COUNT(*) FROM schedulers WHERE last_keepalive_at >= $1), "
          "(SELECT COUNT(*) FROM seed_peers WHERE last_keepalive_at >= $1), (SELECT COUNT(*) FROM hosts), "
          "(SELECT COUNT(*) FROM scheduler_clusters), (SELECT COUNT(*) FROM jobs WHERE state = 'PENDING'), "
          "(SELECT COUNT(*) FROM jobs WHERE state = 'RUNNING')",
          {since});
      const auto& r = rows.at(0);
      const auto n = [&r](std::size_t i) { return static_cast<std::uint64_t>(sql_int(r.at(i))); };
      return counts{n(0), n(1), n(2), n(3), n(4), n(5)};
    });
  }

 private:
  // Runs f, turning the connection's and the decoders' exceptions into errors (sql_guarded.hpp).
  template <class F>
  auto guarded(F&& f) -> decltype(f()) {
    return sql_guarded(std::forward<F>(f));
  }

  template <class F>
  auto in_transaction(F&& f) -> decltype(f()) {
    return sql_in_transaction(*db_, std::forward<F>(f));
  }

  scheduler_cluster read_cluster(std::int64_t id) {
    const auto rows = db_->query(std::string("SELECT ") + cluster_columns + " WHERE c.id = $1", {id});
    if (rows.empty()) throw sql_error(store_errc::not_found, "no scheduler cluster " + std::to_string(id));
    return cluster_from(rows[0]);
  }

  template <class T>
  result<T> get_one(const char* columns, std::int64_t id, T (*from)(const sql_row&)) {
    return guarded([&]() -> result<T> {
      const auto rows = db_->query(std::string("SELECT ") + columns + " WHERE id = $1", {id});
      if (rows.empty()) return store_errc::not_found;
      return from(rows[0]);
    });
  }

  template <class T>
  result<page<T>> list(const char* columns, const char* order, const char* table, page_request p,
                       T (*from)(const sql_row&)) {
    return guarded([&]() -> result<page<T>> {
      page<T> out;
      for (const auto& r : db_->query(paged(columns, order), page_params(p))) out.items.push_back(from(r));
      out.total = static_cast<std::uint64_t>(sql_int(db_->query(std::string("SELECT COUNT(*) FROM ") + table).at(0).at(0)));
      return out;
    });
  }

  // A page of schedulers, seed peers or hosts narrowed by `f` (a case-insensitive substring of
  // hostname, ip, idc or location; a keepalive state where the table has one), and their count.
  template <class T>
  result<page<T>> list_components(const char* columns, const char* table, bool has_keepalive, page_request p,
                                  const component_filter& f, T (*from)(const sql_row&)) {
    return guarded([&]() -> result<page<T>> {
      std::vector<sql_param> params;  // the filter's, numbered from $1 (the count) or $3 (the page)
      const auto where = [&](int first) {
        std::string w;
        int n = first;
        if (!f.search.empty()) {
          const auto like = "$" + std::to_string(n++);
          for (const char* col : {"hostname", "ip", "idc", "location"})
            w += std::string(w.empty() ? " WHERE (" : " OR ") + "LOWER(" + col + ") LIKE " + like + " ESCAPE '!'";
          w += ")";
        }
        if (has_keepalive && f.state != component_filter::state_filter::any)
          w += std::string(w.empty() ? " WHERE " : " AND ") + "last_keepalive_at" +
               (f.state == component_filter::state_filter::active ? " >= $" : " < $") + std::to_string(n++);
        return w;
      };
      if (!f.search.empty()) params.emplace_back(like_pattern(f.search));
      if (has_keepalive && f.state != component_filter::state_filter::any) params.emplace_back(f.alive_since);
      auto paged_params = page_params(p);
      paged_params.insert(paged_params.end(), params.begin(), params.end());
      page<T> out;
      for (const auto& r : db_->query("SELECT " + std::string(columns) + where(3) + " ORDER BY id LIMIT $1 OFFSET $2",
                                      paged_params))
        out.items.push_back(from(r));
      out.total = static_cast<std::uint64_t>(
          sql_int(db_->query(std::string("SELECT COUNT(*) FROM ") + table + where(1), params).at(0).at(0)));
      return out;
    });
  }

  // One page of the rows whose `column` is `value`, and how many there are.
  template <class T>
  result<page<T>> list_where(const char* columns, const char* order, const char* table, const char* column,
                             const sql_param& value, page_request p, T (*from)(const sql_row&)) {
    return guarded([&]() -> result<page<T>> {
      page<T> out;
      const auto where = std::string(" WHERE ") + column + " = ";
      for (const auto& r : db_->query(std::string("SELECT ") + columns + where + "$3 ORDER BY " + order +
                                          " LIMIT $1 OFFSET $2",
                                      {page_params(p)[0], page_params(p)[1], value}))
        out.items.push_back(from(r));
      out.total = static_cast<std::uint64_t>(
          sql_int(db_->query(std::string("SELECT COUNT(*) FROM ") + table + where + "$1", {value}).at(0).at(0)));
      return out;
    });
  }

  template <class T>
  result<std::vector<T>> alive(const char* columns, const char* cluster_column, std::int64_t cluster_id,
                               std::int64_t since, T (*from)(const sql_row&)) {
    return guarded([&]() -> result<std::vector<T>> {
      std::vector<T> out;
      for (const auto& r : db_->query(std::string("SELECT ") + columns + " WHERE " + cluster_column +
                                          " = $1 AND last_keepalive_at >= $2 ORDER BY id",
                                      {cluster_id, since}))
        out.push_back(from(r));
      return out;
    });
  }

  result<void> touch(const char* table, std::int64_t id, std::int64_t now) {
    return guarded([&]() -> result<void> {
      if (db_->query(std::string("UPDATE ") + table + " SET last_keepalive_at = $1 WHERE id = $2 RETURNING id", {now, id})
              .empty())
        return store_errc::not_found;
      return {};
    });
  }

  result<void> delete_row(const char* table, std::int64_t id) {
    return guarded([&]() -> result<void> {
      if (db_->query(std::string("DELETE FROM ") + table + " WHERE id = $1 RETURNING id", {id}).empty())
        return store_errc::not_found;
      return {};
    });
  }

  account_store& accounts() override { return *accounts_; }
  analytics_store& analytics() override { return *analytics_; }

  std::unique_ptr<sql_connection> db_;
  std::unique_ptr<enrollment_store> enrollment_;  // on db_
  std::unique_ptr<account_store> accounts_ = make_sql_account_store(*db_);
  std::unique_ptr<analytics_store> analytics_ = make_sql_analytics_store(*db_);
};

}  // namespace

std::unique_ptr<store> make_sql_store(std::unique_ptr<sql_connection> db) {
  return std::make_unique<sql_store>(std::move(db));
}

}  // namespace df::manager
