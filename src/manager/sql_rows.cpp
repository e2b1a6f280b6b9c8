#include "manager/sql_rows.hpp"

#include "manager/job_codec.hpp"
#include "manager/json_codec.hpp"
#include "manager/sql_guarded.hpp"

namespace df::manager {

scheduler_cluster cluster_from(const sql_row& r) {
  scheduler_cluster c;
  c.id = sql_int(r[0]);
  c.name = r[1];
  c.bio = r[2];
  c.scopes = scopes_from_json(json::parse(r[3]));
  c.config = config_from_json(json::parse(r[4]));
  c.is_default = sql_int(r[5]) != 0;
  c.seed_peer_cluster_id = sql_int(r[6]);
  c.created_at = sql_int(r[7]);
  c.updated_at = sql_int(r[8]);
  return c;
}

seed_peer_cluster seed_peer_cluster_from(const sql_row& r) {
  return {sql_int(r[0]), r[1], r[2], sql_int(r[3]), sql_int(r[4]), sql_int(r[5])};
}

scheduler_record scheduler_from(const sql_row& r) {
  scheduler_record s;
  s.id = sql_int(r[0]);
  s.hostname = r[1];
  s.ip = r[2];
  s.port = static_cast<std::uint16_t>(sql_int(r[3]));
  s.idc = r[4];
  s.location = r[5];
  s.scheduler_cluster_id = sql_int(r[6]);
  s.last_keepalive_at = sql_int(r[7]);
  return s;
}

seed_peer_record seed_peer_from(const sql_row& r) {
  seed_peer_record s;
  s.id = sql_int(r[0]);
  s.hostname = r[1];
  s.ip = r[2];
  s.port = static_cast<std::uint16_t>(sql_int(r[3]));
  s.download_port = static_cast<std::uint16_t>(sql_int(r[4]));
  s.type = r[5];
  s.idc = r[6];
  s.location = r[7];
  s.seed_peer_cluster_id = sql_int(r[8]);
  s.last_keepalive_at = sql_int(r[9]);
  return s;
}

host_record host_from(const sql_row& r) {
  host_record h;
  h.id = sql_int(r[0]);
  h.hostname = r[1];
  h.ip = r[2];
  h.idc = r[3];
  h.location = r[4];
  h.version = r[5];
  h.cache_bytes = static_cast<std::uint64_t>(sql_int(r[6]));
  h.upload_rate_limit = static_cast<std::uint64_t>(sql_int(r[7]));
  h.scheduler_cluster_id = sql_int(r[8]);
  h.last_seen_at = sql_int(r[9]);
  return h;
}

personal_access_token token_from(const sql_row& r) {
  personal_access_token t;
  t.id = sql_int(r[0]);
  t.name = r[1];
  t.bio = r[2];
  t.token_hash = r[3];
  t.scopes = json::parse(r[4]).get<std::vector<std::string>>();
  t.state = r[5];
  t.expired_at = sql_int(r[6]);
  t.last_used_at = sql_int(r[7]);
  t.created_at = sql_int(r[8]);
  t.updated_at = sql_int(r[9]);
  t.user_id = sql_int(r[10]);
  return t;
}

job_record job_from(const sql_row& r) {
  job_record j;
  j.id = sql_int(r[0]);
  j.type = r[1];
  j.bio = r[2];
  j.args = r[3];
  j.scheduler_cluster_ids = json::parse(r[4]).get<std::vector<std::int64_t>>();
  j.cron = r[5];
  j.state = job_state_from(r[6]).value_or(job_state::failure);
  j.result = r[7];
  j.reason = r[8];
  j.lease_owner = r[9];
  j.lease_expires_at = sql_int(r[10]);
  j.attempts = sql_int(r[11]);
  j.next_run_at = sql_int(r[12]);
  j.created_at = sql_int(r[13]);
  j.updated_at = sql_int(r[14]);
  j.started_at = sql_int(r[15]);
  j.finished_at = sql_int(r[16]);
  return j;
}

}  // namespace df::manager
