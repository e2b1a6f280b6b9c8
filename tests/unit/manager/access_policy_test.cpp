// The manager's access policy as a table: caller × request line → verdict and name binding.
#include "manager/access_policy.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

using outcome = access_decision::outcome;
using net::cluster_role;

caller cert(cluster_role role, std::string name = "node-1") { return {caller::kind::certificate, {role, std::move(name)}}; }
const caller admin{caller::kind::admin, {}};
const caller token{caller::kind::component_token, {}};
const caller nobody{};

struct policy_row {
  caller who;
  const char* method;
  const char* path;
  outcome verdict;
  name_binding binding;
  std::int64_t id;
};

TEST(access_policy, the_table) {
  const auto peer = cert(cluster_role::peer), seed = cert(cluster_role::seed_peer);
  const auto sched = cert(cluster_role::scheduler), mgr = cert(cluster_role::manager);
  const auto allow = outcome::allow, deny = outcome::forbidden, who_are_you = outcome::unauthorized;
  const auto none = name_binding::none, body = name_binding::body_hostname;
  const policy_row rows[] = {
      // The admin: everything, with no binding.
      {admin, "POST", "/api/v1/scheduler-clusters", allow, none, 0},
      {admin, "DELETE", "/api/v1/scheduler-clusters/3", allow, none, 0},
      {admin, "POST", "/api/v1/hosts", allow, none, 0},
      {admin, "POST", "/api/v1/certificates/revoke", allow, none, 0},
      {admin, "GET", "/oapi/v1/jobs", allow, none, 0},
      // Nobody: nothing.
      {nobody, "POST", "/api/v1/hosts", who_are_you, none, 0},
      {nobody, "GET", "/api/v1/scheduler-clusters", who_are_you, none, 0},
      // The component token: exactly the component endpoints, no name to speak for.
      {token, "POST", "/api/v1/hosts", allow, none, 0},
      {token, "POST", "/api/v1/schedulers", allow, none, 0},
      {token, "POST", "/api/v1/schedulers/7/keepalive", allow, none, 0},
      {token, "POST", "/api/v1/seed-peers", allow, none, 0},
      {token, "POST", "/api/v1/seed-peers/7/keepalive", allow, none, 0},
      {token, "POST", "/api/v1/schedulers/7/downloads", allow, none, 0},
      {token, "POST", "/api/v1/seed-peers/7/downloads", deny, none, 0},
      {token, "GET", "/api/v1/analytics/downloads", deny, none, 0},
      {token, "GET", "/api/v1/hosts", deny, none, 0},
      {token, "GET", "/api/v1/schedulers", deny, none, 0},
      {token, "POST", "/api/v1/scheduler-clusters", deny, none, 0},
      {token, "PATCH", "/api/v1/scheduler-clusters/1", deny, none, 0},
      {token, "POST", "/api/v1/certificates/revoke", deny, none, 0},
      {token, "POST", "/oapi/v1/jobs", deny, none, 0},
      // A peer: only its own host announcement.
      {peer, "POST", "/api/v1/hosts", allow, body, 0},
      {peer, "GET", "/api/v1/hosts", deny, none, 0},
      {peer, "POST", "/api/v1/scheduler-clusters", deny, none, 0},
      {peer, "DELETE", "/api/v1/scheduler-clusters/1", deny, none, 0},
      {peer, "POST", "/api/v1/seed-peers", deny, none, 0},
      {peer, "POST", "/api/v1/schedulers", deny, none, 0},
      {peer, "POST", "/api/v1/seed-peers/2/keepalive", deny, none, 0},
      // A seed peer: its host and its seed-peer policy_row.
      {seed, "POST", "/api/v1/hosts", allow, body, 0},
      {seed, "POST", "/api/v1/seed-peers", allow, body, 0},
      {seed, "POST", "/api/v1/seed-peers/12/keepalive", allow, name_binding::seed_peer_row, 12},
      {seed, "POST", "/api/v1/seed-peers/x/keepalive", allow, name_binding::seed_peer_row, 0},
      {seed, "POST", "/api/v1/schedulers", deny, none, 0},
      {seed, "GET", "/api/v1/seed-peers", deny, none, 0},
      {seed, "POST", "/api/v1/seed-peer-clusters", deny, none, 0},
      // A scheduler: its scheduler policy_row.
      {sched, "POST", "/api/v1/schedulers", allow, body, 0},
      {sched, "POST", "/api/v1/schedulers/5/keepalive", allow, name_binding::scheduler_row, 5},
      {sched, "POST", "/api/v1/schedulers/5/downloads", allow, name_binding::scheduler_row, 5},
      {sched, "GET", "/api/v1/analytics/downloads", deny, none, 0},
      {seed, "POST", "/api/v1/schedulers/5/downloads", deny, none, 0},
      {peer, "POST", "/api/v1/schedulers/5/downloads", deny, none, 0},
      {sched, "POST", "/api/v1/hosts", deny, none, 0},
      {sched, "POST", "/api/v1/seed-peers", deny, none, 0},
      {sched, "GET", "/api/v1/schedulers/5", deny, none, 0},
      {sched, "PATCH", "/api/v1/scheduler-clusters/1", deny, none, 0},
      // A manager certificate grants nothing.
      {mgr, "POST", "/api/v1/hosts", deny, none, 0},
      {mgr, "GET", "/api/v1/scheduler-clusters", deny, none, 0},
      // Paths the router would not take as the endpoint are not the endpoint here either.
      {peer, "POST", "/api/v1/hosts/", deny, none, 0},
      {peer, "POST", "/api/v1//hosts", deny, none, 0},
      {peer, "POST", "/api/v2/hosts", deny, none, 0},
      {peer, "POST", "/api/v1/hosts/../scheduler-clusters", deny, none, 0},
      {sched, "POST", "/api/v1/schedulers/5/keepalive/", deny, none, 0},
      {sched, "POST", "/api/v1/schedulers/5/keepalive/x", deny, none, 0},
      {sched, "POST", "/api/v1/schedulers/5", deny, none, 0},
      {sched, "post", "/api/v1/schedulers", deny, none, 0},
      {token, "PUT", "/api/v1/hosts", deny, none, 0},
  };
  for (const auto& r : rows) {
    const auto d = decide_access(r.who, r.method, r.path);
    const auto label = std::string(r.method) + " " + r.path + " as kind " + std::to_string(int(r.who.how)) + "/" +
                       std::string(net::role_name(r.who.identity.role));
    EXPECT_EQ(d.verdict, r.verdict) << label;
    EXPECT_EQ(d.binding, r.binding) << label;
    EXPECT_EQ(d.row_id, r.id) << label;
    if (r.verdict != outcome::allow) {
      EXPECT_FALSE(d.message.empty()) << label;
    }
  }
}

TEST(access_policy, a_refusal_says_what_the_role_may_do) {
  const auto d = decide_access(cert(cluster_role::peer), "POST", "/api/v1/scheduler-clusters");
  EXPECT_NE(d.message.find("peer certificate may call only POST /api/v1/hosts"), std::string::npos) << d.message;
}

TEST(access_policy, a_certificate_speaks_only_for_its_own_name) {
  const net::cluster_identity id{cluster_role::peer, "node-1"};
  EXPECT_FALSE(body_name_mismatch(id, std::string("node-1")));
  EXPECT_FALSE(body_name_mismatch(id, std::nullopt));  // no hostname: the API answers 400
  const auto other = body_name_mismatch(id, std::string("node-2"));
  ASSERT_TRUE(other);
  EXPECT_NE(other->find("speaks for node-1, not for hostname node-2"), std::string::npos) << *other;
  EXPECT_TRUE(body_name_mismatch(id, std::string("NODE-1")));  // names compare exactly
  EXPECT_FALSE(row_name_mismatch(id, "scheduler", "node-1"));
  EXPECT_TRUE(row_name_mismatch(id, "scheduler", "node-2"));
}

// A console user with `roles` (built-in) limited to `clusters` when cluster-admin.
caller user(std::vector<std::string> roles, std::vector<std::int64_t> clusters = {}) {
  caller c;
  c.how = caller::kind::user;
  c.user_id = 7;
  c.user_name = "u";
  c.granted = grant(roles, {});
  c.scheduler_cluster_ids = std::move(clusters);
  return c;
}

TEST(access_policy, users_by_role_and_endpoint) {
  const auto root = user({"super-admin"}), cadmin = user({"cluster-admin"}, {1}), op = user({"job-operator"});
  const auto guest = user({"guest"}), nothing = user({});
  const auto both = user({"cluster-admin", "job-operator"}, {1});  // job-operator lifts the job limit
  const auto allow = outcome::allow, deny = outcome::forbidden;
  struct user_row {
    const caller& who;
    const char* method;
    const char* path;
    outcome verdict;
    cluster_binding clusters;
  };
  const auto free = cluster_binding::none;
  const user_row rows[] = {
      // super-admin: everything.
      {root, "POST", "/api/v1/scheduler-clusters", allow, free},
      {root, "DELETE", "/api/v1/users/3", allow, free},
      {root, "POST", "/api/v1/certificates/revoke", allow, free},
      {root, "GET", "/api/v1/audits", allow, free},
      {root, "POST", "/api/v1/anything-else", allow, free},
      // cluster-admin of cluster 1: reads everywhere, writes to cluster 1 and its jobs only.
      {cadmin, "GET", "/api/v1/scheduler-clusters/2", allow, free},
      {cadmin, "PATCH", "/api/v1/scheduler-clusters/1", allow, free},
      {cadmin, "DELETE", "/api/v1/scheduler-clusters/1", allow, free},
      {cadmin, "PATCH", "/api/v1/scheduler-clusters/2", deny, free},
      {cadmin, "PATCH", "/api/v1/scheduler-clusters/x", deny, free},
      {cadmin, "POST", "/api/v1/scheduler-clusters", deny, free},
      {cadmin, "POST", "/api/v1/hosts", deny, free},
      {cadmin, "POST", "/api/v1/jobs", allow, cluster_binding::job_body},
      {cadmin, "POST", "/api/v1/jobs/4/cancel", allow, cluster_binding::job_row},
      {cadmin, "DELETE", "/api/v1/jobs/4", allow, cluster_binding::job_row},
      {cadmin, "GET", "/api/v1/jobs", allow, free},
      {cadmin, "GET", "/api/v1/audits.csv", allow, free},
      {cadmin, "GET", "/api/v1/users", deny, free},
      {cadmin, "POST", "/api/v1/personal-access-tokens", deny, free},
      {cadmin, "POST", "/api/v1/certificates/revoke", deny, free},
      {both, "POST", "/api/v1/jobs", allow, free},
      {both, "PATCH", "/api/v1/scheduler-clusters/2", deny, free},
      // job-operator: reads clusters, runs jobs anywhere, own tokens.
      {op, "GET", "/api/v1/hosts", allow, free},
      {op, "PATCH", "/api/v1/scheduler-clusters/1", deny, free},
      {op, "POST", "/api/v1/jobs", allow, free},
      {op, "DELETE", "/api/v1/jobs/3", allow, free},
      {op, "GET", "/api/v1/personal-access-tokens", allow, free},
      {op, "POST", "/api/v1/personal-access-tokens", allow, free},
      {op, "GET", "/api/v1/audits", deny, free},
      {op, "GET", "/api/v1/roles", deny, free},
      // guest: reads clusters and jobs, nothing else.
      {guest, "GET", "/api/v1/scheduler-clusters", allow, free},
      {guest, "GET", "/api/v1/jobs/3", allow, free},
      {guest, "POST", "/api/v1/jobs", deny, free},
      {guest, "DELETE", "/api/v1/scheduler-clusters/1", deny, free},
      {guest, "POST", "/api/v1/personal-access-tokens", deny, free},
      {guest, "GET", "/api/v1/users", deny, free},
      {guest, "GET", "/api/v1/users/me", allow, free},  // their own account needs no permission
      {guest, "POST", "/api/v1/users/me/password", allow, free},
      {guest, "POST", "/api/v1/anything-else", deny, free},
      {guest, "GET", "/api/v1/analytics/downloads", allow, free},
      {guest, "POST", "/api/v1/analytics/downloads", deny, free},
      {nothing, "GET", "/api/v1/analytics/jobs", allow, free},  // any signed-in user reads analytics
      // No role: only their own account.
      {nothing, "GET", "/api/v1/scheduler-clusters", deny, free},
      {nothing, "GET", "/api/v1/users/me", allow, free},
  };
  for (const auto& r : rows) {
    const auto d = decide_access(r.who, r.method, r.path);
    EXPECT_EQ(d.verdict, r.verdict) << r.method << " " << r.path << " " << d.message;
    if (r.verdict == allow) {
      EXPECT_EQ(d.clusters, r.clusters) << r.method << " " << r.path;
    } else {
      EXPECT_FALSE(d.message.empty()) << r.method << " " << r.path;
    }
  }
}

// The permission matrix of docs/console.md: every endpoint × every built-in role (the cluster
// admin holds cluster 1) → allowed (Y) or 403 (N). Allowed jobs writes of the cluster admin still
// check the job's clusters (cluster_binding, tested above and in test_console_auth.py).
TEST(access_policy, the_permission_matrix) {
  const caller roles[] = {user({"super-admin"}), user({"cluster-admin"}, {1}), user({"job-operator"}),
                          user({"guest"})};
  struct cell {
    const char* method;
    const char* path;
    const char* allowed;  // super-admin, cluster-admin, job-operator, guest
  };
  const cell matrix[] = {
      {"GET", "/api/v1/scheduler-clusters", "YYYY"},
      {"POST", "/api/v1/scheduler-clusters", "YNNN"},
      {"GET", "/api/v1/scheduler-clusters/2", "YYYY"},
      {"PATCH", "/api/v1/scheduler-clusters/1", "YYNN"},
      {"PATCH", "/api/v1/scheduler-clusters/2", "YNNN"},
      {"DELETE", "/api/v1/scheduler-clusters/1", "YYNN"},
      {"DELETE", "/api/v1/scheduler-clusters/2", "YNNN"},
      {"GET", "/api/v1/seed-peer-clusters", "YYYY"},
      {"GET", "/api/v1/seed-peer-clusters/1", "YYYY"},
      {"GET", "/api/v1/schedulers", "YYYY"},
      {"POST", "/api/v1/schedulers", "YNNN"},
      {"POST", "/api/v1/schedulers/1/keepalive", "YNNN"},
      {"GET", "/api/v1/seed-peers", "YYYY"},
      {"POST", "/api/v1/seed-peers", "YNNN"},
      {"POST", "/api/v1/seed-peers/1/keepalive", "YNNN"},
      {"GET", "/api/v1/hosts", "YYYY"},
      {"POST", "/api/v1/hosts", "YNNN"},
      {"POST", "/api/v1/schedulers/1/downloads", "YNNN"},
      {"GET", "/api/v1/analytics/downloads", "YYYY"},
      {"GET", "/api/v1/analytics/jobs", "YYYY"},
      {"GET", "/api/v1/jobs", "YYYY"},
      {"POST", "/api/v1/jobs", "YYYN"},
      {"GET", "/api/v1/jobs/3", "YYYY"},
      {"PATCH", "/api/v1/jobs/3", "YYYN"},
      {"DELETE", "/api/v1/jobs/3", "YYYN"},
      {"POST", "/api/v1/jobs/3/cancel", "YYYN"},
      {"POST", "/api/v1/jobs/3/copy", "YYYN"},
      {"GET", "/api/v1/personal-access-tokens", "YNYN"},
      {"POST", "/api/v1/personal-access-tokens", "YNYN"},
      {"GET", "/api/v1/personal-access-tokens/1", "YNYN"},
      {"PATCH", "/api/v1/personal-access-tokens/1", "YNYN"},
      {"DELETE", "/api/v1/personal-access-tokens/1", "YNYN"},
      {"GET", "/api/v1/users", "YNNN"},
      {"POST", "/api/v1/users", "YNNN"},
      {"GET", "/api/v1/users/2", "YNNN"},
      {"PATCH", "/api/v1/users/2", "YNNN"},
      {"DELETE", "/api/v1/users/2", "YNNN"},
      {"POST", "/api/v1/users/2/reset_password", "YNNN"},
      {"GET", "/api/v1/users/me", "YYYY"},
      {"POST", "/api/v1/users/me/password", "YYYY"},
      {"POST", "/api/v1/users/signout", "YYYY"},
      {"GET", "/api/v1/roles", "YNNN"},
      {"POST", "/api/v1/roles", "YNNN"},
      {"PATCH", "/api/v1/roles/auditor", "YNNN"},
      {"DELETE", "/api/v1/roles/auditor", "YNNN"},
      {"GET", "/api/v1/permissions", "YNNN"},
      {"GET", "/api/v1/audits", "YYNN"},
      {"GET", "/api/v1/audits.csv", "YYNN"},
      {"POST", "/api/v1/certificates/revoke", "YNNN"},
      {"GET", "/api/v1/enrollment-tokens", "YNNN"},
      {"POST", "/api/v1/enrollment-tokens", "YNNN"},
      {"DELETE", "/api/v1/enrollment-tokens/1", "YNNN"},
      {"POST", "/api/v1/something-new", "YNNN"},
  };
  const char* names[] = {"super-admin", "cluster-admin", "job-operator", "guest"};
  for (const auto& c : matrix)
    for (std::size_t i = 0; i < 4; ++i) {
      const auto d = decide_access(roles[i], c.method, c.path);
      EXPECT_EQ(d.allowed(), c.allowed[i] == 'Y') << c.method << " " << c.path << " as " << names[i] << ": "
                                                  << d.message;
      if (!d.allowed()) {
        EXPECT_EQ(d.verdict, outcome::forbidden) << c.method << " " << c.path;
      }
    }
}

TEST(access_policy, roles_grant_permissions_and_only_cluster_admin_is_limited) {
  using enum permission;
  const auto g = grant({"cluster-admin"}, {});
  EXPECT_TRUE(g.scoped.has(cluster_write));
  EXPECT_TRUE(g.scoped.has(job_write));
  EXPECT_FALSE(g.unscoped.has(cluster_write));
  EXPECT_FALSE(g.any().has(user_read));
  const auto mixed = grant({"cluster-admin", "guest"}, {});
  EXPECT_TRUE(mixed.unscoped.has(cluster_read));
  EXPECT_FALSE(mixed.scoped.has(cluster_read));  // guest grants it everywhere
  EXPECT_EQ(grant({"super-admin", "cluster-admin"}, {}).unscoped, permission_set::all());
  const std::vector<role_definition> custom = {{"auditor", false, {audit_read}}};
  EXPECT_TRUE(grant({"auditor"}, custom).unscoped.has(audit_read));
  EXPECT_TRUE(grant({"unknown-role"}, custom).any().empty());
  EXPECT_EQ(permission_names().size(), permission_count);
  for (const auto& n : permission_names()) EXPECT_EQ(to_string(*permission_from(n)), n);
  EXPECT_FALSE(permission_from("cluster:*"));
}

TEST(access_policy, a_cluster_admin_job_must_name_only_their_clusters) {
  EXPECT_FALSE(job_cluster_violation({1, 2}, {1, 2, 3}));
  EXPECT_TRUE(job_cluster_violation({1, 4}, {1, 2, 3}));
  EXPECT_TRUE(job_cluster_violation({}, {1, 2, 3}));  // every cluster
}

}  // namespace
}  // namespace df::manager
