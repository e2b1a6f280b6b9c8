// The store suite, run against both backends: SQLite in a temp dir, and PostgreSQL when
// DF_TEST_POSTGRES names one (tests/support/postgres.py starts a private server and sets it; the
// "postgres" instances are registered as their own CTest test, which is skipped — exit 77 — when
// PostgreSQL is not installed).
#include "manager/migrations.hpp"
#include "store_fixture.hpp"

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

namespace df::manager {
namespace {

// The fixture is shared with enrollment_store_test.cpp.
class store_test : public store_fixture {};

TEST_P(store_test, first_start_creates_the_default_cluster_and_migrating_again_does_nothing) {
  const auto def = db->default_scheduler_cluster();
  ASSERT_TRUE(def) << def.error().message();
  EXPECT_EQ(def->name, "cluster-1");
  EXPECT_TRUE(def->is_default);
  EXPECT_NE(def->seed_peer_cluster_id, 0);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(def->created_at), static_cast<double>(now), 120000.0);  // created now, in ms
  auto again = connect();
  EXPECT_EQ(migrate(*again), 0);
  auto listed = db->list_scheduler_clusters({});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->total, 1u);
  EXPECT_EQ(again->query("SELECT COUNT(*) FROM schema_migrations").at(0).at(0),
            std::to_string(migrations().size()));
  if (GetParam() == "sqlite") {
    EXPECT_EQ(again->query("PRAGMA journal_mode").at(0).at(0), "wal");
  }
}

TEST_P(store_test, clusters_round_trip_with_their_seed_peer_cluster) {
  auto c = named("idc-a");
  c.scopes.hostnames = {"gpu-.*"};
  c.config.blocklist.tags = {"private"};
  const auto created = db->create_scheduler_cluster(c, 1000);
  ASSERT_TRUE(created) << created.error().message();
  const auto got = db->get_scheduler_cluster(created->id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "idc-a");
  EXPECT_EQ(got->scopes, c.scopes);
  EXPECT_EQ(got->config, c.config);
  EXPECT_EQ(got->created_at, 1000);
  const auto seeds = db->get_seed_peer_cluster(got->seed_peer_cluster_id);
  ASSERT_TRUE(seeds);
  EXPECT_EQ(seeds->scheduler_cluster_id, got->id);

  auto changed = *got;
  changed.name = "idc-a2";
  changed.config.candidate_parent_limit = 7;
  const auto updated = db->update_scheduler_cluster(changed, 2000);
  ASSERT_TRUE(updated);
  EXPECT_EQ(db->get_scheduler_cluster(got->id)->config.candidate_parent_limit, 7u);
  EXPECT_EQ(db->get_seed_peer_cluster(got->seed_peer_cluster_id)->name, "idc-a2");

  ASSERT_TRUE(db->delete_scheduler_cluster(got->id));
  EXPECT_EQ(db->get_scheduler_cluster(got->id).error(), store_errc::not_found);
  EXPECT_EQ(db->get_seed_peer_cluster(got->seed_peer_cluster_id).error(), store_errc::not_found);
  EXPECT_EQ(db->delete_scheduler_cluster(got->id).error(), store_errc::not_found);
}

TEST_P(store_test, a_duplicate_name_is_a_conflict_and_leaves_nothing_behind) {
  ASSERT_TRUE(db->create_scheduler_cluster(named("dup"), 1));
  EXPECT_EQ(db->create_scheduler_cluster(named("dup"), 2).error(), store_errc::conflict);
  EXPECT_EQ(db->list_scheduler_clusters({})->total, 2u);  // the default and one "dup"
  EXPECT_EQ(db->list_seed_peer_clusters({})->total, 2u);
  const auto other = db->create_scheduler_cluster(named("other"), 3);
  ASSERT_TRUE(other);
  auto renamed = *other;
  renamed.name = "dup";
  EXPECT_EQ(db->update_scheduler_cluster(renamed, 4).error(), store_errc::conflict);
  EXPECT_EQ(db->get_scheduler_cluster(other->id)->name, "other");
}

TEST_P(store_test, one_default_at_a_time) {
  auto c = named("new-default");
  c.is_default = true;
  const auto created = db->create_scheduler_cluster(c, 1);
  ASSERT_TRUE(created);
  EXPECT_EQ(db->default_scheduler_cluster()->id, created->id);
  const auto all = db->all_scheduler_clusters();
  ASSERT_TRUE(all);
  EXPECT_EQ(std::count_if(all->begin(), all->end(), [](const auto& x) { return x.is_default; }), 1);
}

TEST_P(store_test, pages_and_totals) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(db->create_scheduler_cluster(named("c" + std::to_string(i)), i));
  const auto first = db->list_scheduler_clusters({1, 3});
  const auto last = db->list_scheduler_clusters({3, 3});
  const auto past = db->list_scheduler_clusters({9, 3});
  ASSERT_TRUE(first && last && past);
  EXPECT_EQ(first->total, 8u);
  EXPECT_EQ(first->items.size(), 3u);
  EXPECT_EQ(first->items[0].name, "cluster-1");
  EXPECT_EQ(last->items.size(), 2u);
  EXPECT_EQ(last->items[1].name, "c6");
  EXPECT_TRUE(past->items.empty());
}

TEST_P(store_test, schedulers_register_once_and_stay_alive_by_keepalive) {
  const auto cluster = db->default_scheduler_cluster()->id;
  scheduler_record s;
  s.hostname = "s1";
  s.ip = "10.0.0.1";
  s.port = 8002;
  s.scheduler_cluster_id = cluster;
  const auto a = db->register_scheduler(s, 1000);
  ASSERT_TRUE(a) << a.error().message();
  s.port = 8003;
  const auto b = db->register_scheduler(s, 2000);  // the same scheduler again: the same row
  ASSERT_TRUE(b);
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->port, 8003);
  EXPECT_EQ(db->schedulers_alive_since(cluster, 1500)->size(), 1u);
  EXPECT_EQ(db->schedulers_alive_since(cluster, 2500)->size(), 0u);
  ASSERT_TRUE(db->keepalive_scheduler(a->id, 3000));
  EXPECT_EQ(db->schedulers_alive_since(cluster, 2500)->size(), 1u);
  EXPECT_EQ(db->keepalive_scheduler(9999, 3000).error(), store_errc::not_found);
  s.scheduler_cluster_id = 9999;
  EXPECT_EQ(db->register_scheduler(s, 1).error(), store_errc::not_found);  // no such cluster
  EXPECT_EQ(db->count(2500)->active_schedulers, 1u);
}

TEST_P(store_test, seed_peers_and_hosts) {
  const auto def = *db->default_scheduler_cluster();
  seed_peer_record p;
  p.hostname = "seed1";
  p.ip = "10.0.0.2";
  p.port = 65002;
  p.download_port = 65001;
  p.seed_peer_cluster_id = def.seed_peer_cluster_id;
  const auto reg = db->register_seed_peer(p, 100);
  ASSERT_TRUE(reg) << reg.error().message();
  EXPECT_EQ(reg->download_port, 65001);
  EXPECT_EQ(db->seed_peers_alive_since(def.seed_peer_cluster_id, 50)->size(), 1u);
  ASSERT_TRUE(db->keepalive_seed_peer(reg->id, 500));
  EXPECT_EQ(db->get_seed_peer(reg->id)->last_keepalive_at, 500);

  host_record h;
  h.hostname = "h1";
  h.ip = "10.0.0.3";
  h.cache_bytes = 1ull << 40;
  h.scheduler_cluster_id = def.id;
  h.last_seen_at = 10;
  const auto first = db->upsert_host(h);
  h.version = "0.2";
  h.last_seen_at = 20;
  const auto second = db->upsert_host(h);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(second->version, "0.2");
  EXPECT_EQ(second->cache_bytes, 1ull << 40);
  EXPECT_EQ(db->list_hosts({})->total, 1u);
}

TEST_P(store_test, deleting_a_cluster_deletes_its_schedulers) {
  const auto c = db->create_scheduler_cluster(named("doomed"), 1);
  ASSERT_TRUE(c);
  scheduler_record s;
  s.hostname = "s";
  s.ip = "10.0.0.1";
  s.port = 1;
  s.scheduler_cluster_id = c->id;
  ASSERT_TRUE(db->register_scheduler(s, 1));
  ASSERT_TRUE(db->delete_scheduler_cluster(c->id));
  EXPECT_EQ(db->list_schedulers({})->total, 0u);
}

TEST_P(store_test, component_lists_are_searched_and_filtered_by_state_in_the_database) {
  const auto def = *db->default_scheduler_cluster();
  for (const auto& [name, ip, idc, keepalive] :
       {std::tuple{"sched-hz-1", "10.1.0.1", "HZ", 100}, std::tuple{"sched-hz-2", "10.1.0.2", "hz", 5},
        std::tuple{"sched-bj-1", "10.2.0.1", "bj", 100}, std::tuple{"odd_100%", "10.3.0.1", "", 100}}) {
    scheduler_record s;
    s.hostname = name;
    s.ip = ip;
    s.idc = idc;
    s.port = 8002;
    s.scheduler_cluster_id = def.id;
    ASSERT_TRUE(db->register_scheduler(s, keepalive));
  }
  const auto names = [&](component_filter f, page_request p = {}) {
    std::vector<std::string> out;
    const auto listed = db->list_schedulers(p, f);
    EXPECT_TRUE(listed);
    for (const auto& s : listed->items) out.push_back(s.hostname);
    out.push_back("total " + std::to_string(listed->total));
    return out;
  };
  using v = std::vector<std::string>;
  using state = component_filter::state_filter;
  EXPECT_EQ(names({"HZ"}), (v{"sched-hz-1", "sched-hz-2", "total 2"}));  // hostname or idc, any case
  EXPECT_EQ(names({"10.2."}), (v{"sched-bj-1", "total 1"}));
  EXPECT_EQ(names({"0%"}), (v{"odd_100%", "total 1"}));  // % and _ are literal
  EXPECT_EQ(names({"o_d"}), (v{"total 0"}));  // "_" would match the "d" of "odd"
  EXPECT_EQ(names({"", state::active, 50}), (v{"sched-hz-1", "sched-bj-1", "odd_100%", "total 3"}));
  EXPECT_EQ(names({"hz", state::inactive, 50}), (v{"sched-hz-2", "total 1"}));
  EXPECT_EQ(names({"sched", state::any, 0}, {2, 2}), (v{"sched-bj-1", "total 3"}));  // the total of every page
  host_record h;
  h.hostname = "node-7";
  h.ip = "10.9.0.7";
  h.location = "cn|hangzhou";
  h.scheduler_cluster_id = def.id;
  ASSERT_TRUE(db->upsert_host(h));
  EXPECT_EQ(db->list_hosts({}, {"HANGZHOU"})->total, 1u);
  EXPECT_EQ(db->list_hosts({}, {"beijing"})->total, 0u);
}

TEST_P(store_test, replicas_starting_together_migrate_once) {
  if (GetParam() == "postgres")
    open_postgres(postgres_conninfo(), 10000)->execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  else
    db.reset();
  std::vector<std::thread> replicas;
  std::atomic<int> failures{0};
  std::vector<std::unique_ptr<sql_connection>> connections;
  for (int i = 0; i < 4; ++i) connections.push_back(connect());
  for (auto& c : connections)
    replicas.emplace_back([&c, &failures] {
      try {
        migrate(*c);
      } catch (const std::exception& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : replicas) t.join();
  EXPECT_EQ(failures, 0);
  auto check = connect();
  EXPECT_EQ(check->query("SELECT COUNT(*) FROM schema_migrations").at(0).at(0), std::to_string(migrations().size()));
  EXPECT_EQ(check->query("SELECT COUNT(*) FROM scheduler_clusters WHERE is_default = 1").at(0).at(0), "1");
}

TEST_P(store_test, personal_access_tokens_round_trip) {
  personal_access_token t;
  t.name = "harbor";
  t.scopes = {"job"};
  t.expired_at = 5000;
  t.token_hash = std::string(64, 'a');
  const auto created = db->create_token(t, 1000);
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(created->scopes, t.scopes);
  EXPECT_EQ(created->state, "active");
  EXPECT_EQ(db->create_token(t, 1000).error(), store_errc::conflict);  // same name
  EXPECT_EQ(db->find_token(t.token_hash)->id, created->id);
  EXPECT_EQ(db->find_token(std::string(64, 'b')).error(), store_errc::not_found);
  ASSERT_TRUE(db->touch_token(created->id, 100000));
  EXPECT_EQ(db->get_token(created->id)->last_used_at, 100000);
  ASSERT_TRUE(db->touch_token(created->id, 100001));  // within a minute: not written again
  EXPECT_EQ(db->get_token(created->id)->last_used_at, 100000);
  auto changed = *created;
  changed.state = "inactive";
  EXPECT_EQ(db->update_token(changed, 2000)->state, "inactive");
  ASSERT_TRUE(db->delete_token(created->id));
  EXPECT_EQ(db->get_token(created->id).error(), store_errc::not_found);
}

job_record file_job() {
  job_record j;
  j.type = "preheat";
  j.args = R"({"type":"file","urls":["http://origin/a"]})";
  j.scheduler_cluster_ids = {1};
  j.next_run_at = 1000;
  return j;
}

TEST_P(store_test, twenty_jobs_two_claimers_each_claimed_once) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(db->create_job(file_job(), 1000));
  std::vector<std::int64_t> claimed[2];
  std::vector<std::thread> replicas;
  for (int r = 0; r < 2; ++r)
    replicas.emplace_back([this, r, &claimed] {
      auto replica = make_sql_store(connect());
      while (true) {
        const auto c = replica->claim_job("replica-" + std::to_string(r), 2000, 30000, 3);
        if (!c) continue;  // a busy database: try again
        if (!*c) return;
        claimed[r].push_back((*c)->id);
      }
    });
  for (auto& t : replicas) t.join();
  std::set<std::int64_t> all(claimed[0].begin(), claimed[0].end());
  all.insert(claimed[1].begin(), claimed[1].end());
  EXPECT_EQ(claimed[0].size() + claimed[1].size(), 20u);
  EXPECT_EQ(all.size(), 20u);
  for (const auto id : all) {
    const auto j = db->get_job(id);
    EXPECT_EQ(j->state, job_state::running);
    EXPECT_EQ(j->attempts, 1);
  }
}

TEST_P(store_test, an_expired_lease_is_taken_over_then_fails_after_max_attempts) {
  const auto j = db->create_job(file_job(), 1000);
  ASSERT_TRUE(j);
  EXPECT_FALSE(*db->claim_job("b", 999, 100, 2));  // not due before it was created
  const auto first = db->claim_job("a", 1000, 100, 2);
  ASSERT_TRUE(first && *first);
  EXPECT_FALSE(*db->claim_job("b", 1050, 100, 2));  // a's lease holds
  EXPECT_TRUE(*db->renew_lease(j->id, "a", 1200));
  EXPECT_FALSE(*db->renew_lease(j->id, "b", 1200));  // not b's
  EXPECT_FALSE(*db->claim_job("b", 1150, 100, 2));   // renewed
  const auto second = db->claim_job("b", 1300, 100, 2);  // a died: b takes over
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->lease_owner, "b");
  EXPECT_EQ((*second)->attempts, 2);
  EXPECT_FALSE(*db->renew_lease(j->id, "a", 1400));  // a came back: it must stop
  EXPECT_FALSE(*db->finish_job(j->id, "a", job_state::success, "{}", "", 1400, 0));
  EXPECT_FALSE(*db->claim_job("c", 1350, 100, 2));  // b's lease holds…
  ASSERT_TRUE(db->release_leases("b"));                // …until b stops and gives it up
  EXPECT_FALSE(*db->claim_job("c", 1360, 100, 2));     // but two attempts were all it had:
  EXPECT_EQ(db->get_job(j->id)->state, job_state::failure);
  EXPECT_FALSE(*db->claim_job("c", 1500, 100, 2));  // no third attempt…
  const auto failed = db->get_job(j->id);
  EXPECT_EQ(failed->state, job_state::failure);  // …but a reason
  EXPECT_NE(failed->reason.find("stopped answering 2 times"), std::string::npos) << failed->reason;
}

TEST_P(store_test, finish_cancel_and_list_jobs) {
  const auto j = db->create_job(file_job(), 1000);
  ASSERT_TRUE(j);
  ASSERT_TRUE(*db->claim_job("a", 1000, 100, 3));
  EXPECT_TRUE(*db->finish_job(j->id, "a", job_state::failure, R"({"x":1})", "why", 1100, 0));
  const auto done = db->get_job(j->id);
  EXPECT_EQ(done->state, job_state::failure);
  EXPECT_EQ(done->reason, "why");
  EXPECT_EQ(done->result, R"({"x":1})");
  EXPECT_EQ(db->cancel_job(j->id, 1200).error(), store_errc::conflict);
  EXPECT_EQ(db->cancel_job(999, 1200).error(), store_errc::not_found);
  const auto other = db->create_job(file_job(), 1300);
  const auto third = db->create_job(file_job(), 1350);
  ASSERT_TRUE(third);
  EXPECT_EQ(db->count(0)->jobs_pending, 2u);  // the metrics' queue depth
  EXPECT_EQ(db->count(0)->jobs_running, 0u);
  EXPECT_EQ(db->cancel_job(other->id, 1400)->state, job_state::canceled);
  EXPECT_EQ((*db->claim_job("a", 2000, 100, 3))->id, third->id);
  EXPECT_FALSE(*db->claim_job("a", 2000, 100, 3));  // a canceled job never runs
  EXPECT_EQ(db->count(0)->jobs_running, 1u);
  EXPECT_EQ(db->list_jobs({}, "")->items.at(0).id, third->id);  // newest first
  EXPECT_EQ(db->list_jobs({}, "")->total, 3u);
  EXPECT_EQ(db->list_jobs({}, "FAILURE")->items.at(0).id, j->id);
  EXPECT_EQ(db->list_jobs({}, "CANCELED")->items.at(0).id, other->id);
  ASSERT_TRUE(db->delete_job(j->id));
  EXPECT_EQ(db->get_job(j->id).error(), store_errc::not_found);
}

TEST_P(store_test, users_round_trip_and_the_first_user_is_made_once) {
  auto& a = db->accounts();
  user_record root;
  root.name = "root";
  root.password_hash = "scrypt$x";
  root.roles = {"super-admin"};
  const auto first = a.create_first_user(root, 1000);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(*first);
  EXPECT_EQ((*first)->name, "root");
  root.name = "root2";
  const auto again = a.create_first_user(root, 1000);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);  // users exist: nothing made
  user_record u;
  u.name = "alice";
  u.email = "alice@example.com";
  u.password_hash = "h";
  u.roles = {"cluster-admin"};
  u.scheduler_cluster_ids = {1, 3};
  const auto created = a.create_user(u, 2000);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->scheduler_cluster_ids, (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(a.create_user(u, 2000).error(), store_errc::conflict);
  EXPECT_EQ(a.find_user("alice")->id, created->id);
  EXPECT_EQ(a.find_user("nobody").error(), store_errc::not_found);
  auto changed = *created;
  changed.state = "disabled";
  changed.roles = {"guest"};
  EXPECT_EQ(a.update_user(changed, 3000)->state, "disabled");
  ASSERT_TRUE(a.set_password(created->id, "h2", 3000));
  ASSERT_TRUE(a.record_signin(created->id, 4000));
  const auto got = a.get_user(created->id);
  EXPECT_EQ(got->password_hash, "h2");
  EXPECT_EQ(got->last_signin_at, 4000);
  EXPECT_EQ(got->roles, (std::vector<std::string>{"guest"}));
  EXPECT_EQ(*a.count_enabled_with_role("super-admin"), 1u);
  EXPECT_EQ(*a.count_enabled_with_role("guest"), 0u);  // alice is disabled
  user_record w;
  w.name = "w";
  w.password_hash = "h";
  w.roles = {"ops_team"};
  ASSERT_TRUE(a.create_user(w, 3000));
  EXPECT_EQ(*a.count_enabled_with_role("ops_team"), 1u);
  EXPECT_EQ(*a.count_enabled_with_role("opsxteam"), 0u);  // `_` is no wildcard here
  EXPECT_EQ(*a.count_enabled_with_role("ops"), 0u);
  const auto listed = a.list_users({1, 10}, "lic");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->total, 1u);
  EXPECT_EQ(a.list_users({1, 10}, "")->total, 3u);
  ASSERT_TRUE(a.delete_user(created->id));
  EXPECT_EQ(a.delete_user(created->id).error(), store_errc::not_found);
}

TEST_P(store_test, roles_sessions_and_signin_failures) {
  auto& a = db->accounts();
  ASSERT_TRUE(a.create_role({"auditor", {"audit:read"}, 0, 0}, 1000));
  EXPECT_EQ(a.create_role({"auditor", {}, 0, 0}, 1000).error(), store_errc::conflict);
  EXPECT_EQ(a.update_role({"auditor", {"audit:read", "job:read"}, 0, 0}, 2000)->permissions.size(), 2u);
  user_record u;
  u.name = "bob";
  u.password_hash = "h";
  u.roles = {"auditor"};
  const auto bob = a.create_user(u, 1000);
  ASSERT_TRUE(bob);
  EXPECT_EQ(a.delete_role("auditor").error(), store_errc::conflict);  // bob holds it
  ASSERT_TRUE(a.create_session({"hash-1", bob->id, "csrf-1", 1000, 50000, 1000}));
  ASSERT_TRUE(a.create_session({"hash-2", bob->id, "csrf-2", 1000, 50000, 1000}));
  EXPECT_EQ(a.find_session("hash-1")->csrf_token, "csrf-1");
  ASSERT_TRUE(a.touch_session("hash-1", 70000));
  EXPECT_EQ(a.find_session("hash-1")->last_seen_at, 70000);
  ASSERT_TRUE(a.delete_sessions_of(bob->id, "hash-1"));  // ends the others
  EXPECT_TRUE(a.find_session("hash-1"));
  EXPECT_EQ(a.find_session("hash-2").error(), store_errc::not_found);
  ASSERT_TRUE(a.prune_sessions(60000, 1000000));  // expired at 50000
  EXPECT_EQ(a.find_session("hash-1").error(), store_errc::not_found);
  ASSERT_TRUE(a.delete_user(bob->id));
  ASSERT_TRUE(a.delete_role("auditor"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.record_signin_failure("name:bob", 1000 + i));
  ASSERT_TRUE(a.record_signin_failure("ip:10.0.0.1", 1500));
  const auto f = a.signin_failures("name:bob", 1001);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->count, 2u);
  EXPECT_EQ(f->oldest, 1001);
  ASSERT_TRUE(a.clear_signin_failures("name:bob", 0));
  EXPECT_EQ(a.signin_failures("name:bob", 0)->count, 0u);
  EXPECT_EQ(a.signin_failures("ip:10.0.0.1", 0)->count, 1u);
}

TEST_P(store_test, audit_rows_filter_page_and_prune) {
  auto& a = db->accounts();
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(a.append_audit({0, i * 1000, i % 2 ? "user" : "admin_token", i % 2 ? "root" : "admin", "10.0.0.1",
                                i == 5 ? "DELETE" : "POST", i < 3 ? "/api/v1/users" : "/api/v1/scheduler-clusters/1",
                                i == 4 ? 403 : 200, "x", ""}));
  const auto all = a.list_audits({}, {1, 2});
  ASSERT_TRUE(all) << all.error().message();
  EXPECT_EQ(all->total, 5u);
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->items[0].time, 5000);  // newest first
  audit_filter by_user;
  by_user.actor_type = "user";
  EXPECT_EQ(a.list_audits(by_user, {})->total, 3u);
  audit_filter by_path;
  by_path.path = "/api/v1/scheduler-clusters";
  by_path.method = "POST";
  EXPECT_EQ(a.list_audits(by_path, {})->total, 2u);
  audit_filter by_status_and_time;
  by_status_and_time.status = 403;
  by_status_and_time.since = 4000;
  by_status_and_time.until = 4000;
  EXPECT_EQ(a.list_audits(by_status_and_time, {})->total, 1u);
  EXPECT_EQ(*a.prune_audits(3000), 2u);
  EXPECT_EQ(a.list_audits({}, {})->total, 3u);
}

TEST_P(store_test, personal_access_tokens_keep_their_owner) {
  personal_access_token t;
  t.name = "mine";
  t.scopes = {"job"};
  t.expired_at = 99999999;
  t.token_hash = "h1";
  t.user_id = 42;
  ASSERT_TRUE(db->create_token(t, 1000));
  t.name = "admins";
  t.token_hash = "h2";
  t.user_id = 0;
  ASSERT_TRUE(db->create_token(t, 1000));
  EXPECT_EQ(db->list_tokens({}, 0)->total, 2u);
  const auto mine = db->list_tokens({}, 42);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->total, 1u);
  EXPECT_EQ(mine->items.at(0).name, "mine");
  EXPECT_EQ(mine->items.at(0).user_id, 42);
}

INSTANTIATE_TEST_SUITE_P(backends, store_test, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace df::manager
