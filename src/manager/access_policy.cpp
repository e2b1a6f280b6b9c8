#include "manager/access_policy.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace df::manager {

namespace {

constexpr std::string_view api_prefix = "/api/v1/";

// What a component endpoint is, from the request line; the router (api.cpp) splits the same way,
// so a path that is not exactly one of these never reaches a component handler.
enum class endpoint {
  other,
  host_announce,
  scheduler_register,
  scheduler_keepalive,
  scheduler_downloads,
  seed_register,
  seed_keepalive
};

struct classified {
  endpoint what = endpoint::other;
  std::int64_t id = 0;  // of the keepalive's row; 0 when the segment is no valid id
};

std::int64_t parse_id(std::string_view s) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  return (ec == std::errc{} && end == s.data() + s.size() && id > 0) ? id : 0;
}

classified classify(std::string_view method, std::string_view path) {
  if (method != "POST" || !path.starts_with(api_prefix)) return {};
  path.remove_prefix(api_prefix.size());
  std::vector<std::string_view> seg;
  while (seg.size() <= 3) {
    const auto slash = path.find('/');
    seg.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (seg.size() == 1 && seg[0] == "hosts") return {endpoint::host_announce};
  const bool schedulers = seg[0] == "schedulers", seeds = seg[0] == "seed-peers";
  if (!schedulers && !seeds) return {};
  if (seg.size() == 1) return {schedulers ? endpoint::scheduler_register : endpoint::seed_register};
  if (schedulers && seg.size() == 3 && seg[2] == "downloads") return {endpoint::scheduler_downloads, parse_id(seg[1])};
  if (seg.size() == 3 && seg[2] == "keepalive")
    return {schedulers ? endpoint::scheduler_keepalive : endpoint::seed_keepalive, parse_id(seg[1])};
  return {};
}

access_decision allow(name_binding b = name_binding::none, std::int64_t id = 0) {
  return {access_decision::outcome::allow, b, id, {}};
}

access_decision forbid(std::string message) {
  return {access_decision::outcome::forbidden, name_binding::none, 0, std::move(message)};
}

// What a certificate of `role` may call, with the name it must speak for.
access_decision by_role(net::cluster_role role, const classified& c) {
  using net::cluster_role;
  switch (role) {
    case cluster_role::peer:
      if (c.what == endpoint::host_announce) return allow(name_binding::body_hostname);
      return forbid("a peer certificate may call only POST /api/v1/hosts");
    case cluster_role::seed_peer:
      if (c.what == endpoint::host_announce || c.what == endpoint::seed_register)
        return allow(name_binding::body_hostname);
      if (c.what == endpoint::seed_keepalive) return allow(name_binding::seed_peer_row, c.id);
      return forbid("a seed-peer certificate may call only POST /api/v1/hosts, POST /api/v1/seed-peers and "
                    "POST /api/v1/seed-peers/{id}/keepalive");
    case cluster_role::scheduler:
      if (c.what == endpoint::scheduler_register) return allow(name_binding::body_hostname);
      if (c.what == endpoint::scheduler_keepalive || c.what == endpoint::scheduler_downloads)
        return allow(name_binding::scheduler_row, c.id);
      return forbid("a scheduler certificate may call only POST /api/v1/schedulers and "
                    "POST /api/v1/schedulers/{id}/keepalive and /downloads");
    case cluster_role::manager: break;
  }
  return forbid("a manager certificate grants no API call; use the admin token");
}

std::vector<std::string_view> segments_of(std::string_view path) {
  std::vector<std::string_view> seg;
  while (!path.empty() && seg.size() < 8) {
    const auto slash = path.find('/');
    seg.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return seg;
}

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

bool in(const std::vector<std::int64_t>& ids, std::int64_t id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

// A user's request: the permission its endpoint needs; for a write a cluster-admin holds only
// on their clusters, the cluster it touches.
access_decision by_permission(const caller& who, std::string_view method, std::string_view path) {
  bool none_needed = false;
  const auto needed = required_permission(method, path, none_needed);
  if (none_needed) return allow();
  if (!needed) {
    if (who.granted.unscoped == permission_set::all()) return allow();
    return forbid("only a super admin may call " + std::string(method) + " " + std::string(path));
  }
  if (!who.granted.any().has(*needed))
    return forbid("this needs the permission " + std::string(to_string(*needed)));
  if (who.granted.unscoped.has(*needed) || is_read(method)) return allow();
  // A write limited to the user's scheduler clusters (cluster-admin).
  const auto seg = segments_of(path.substr(api_prefix.size()));
  if (seg[0] == "scheduler-clusters" && seg.size() == 2) {
    if (in(who.scheduler_cluster_ids, parse_id(seg[1]))) return allow();
    return forbid("scheduler cluster " + std::string(seg[1]) + " is not one of this user's clusters");
  }
  if (seg[0] == "jobs") {
    if (seg.size() == 1) return {access_decision::outcome::allow, name_binding::none, 0, {}, cluster_binding::job_body};
    return {access_decision::outcome::allow, name_binding::none, parse_id(seg[1]), {}, cluster_binding::job_row};
  }
  return forbid("a cluster admin may change only their own scheduler clusters and jobs targeting them");
}

}  // namespace

std::optional<permission> required_permission(std::string_view method, std::string_view path, bool& none_needed) {
  none_needed = false;
  if (!path.starts_with(api_prefix)) return std::nullopt;
  const auto seg = segments_of(path.substr(api_prefix.size()));
  if (seg.empty()) return std::nullopt;
  const auto r = seg[0];
  const bool read = is_read(method);
  using enum permission;
  if (r == "users" && seg.size() >= 2 && (seg[1] == "me" || seg[1] == "signin" || seg[1] == "signout")) {
    none_needed = true;
    return std::nullopt;
  }
  if (r == "analytics" && read) {  // every signed-in role, guest included (docs/console.md)
    none_needed = true;
    return std::nullopt;
  }
  if (r == "users" || r == "roles") return read ? user_read : user_write;
  if (r == "permissions") return read ? std::optional(user_read) : std::nullopt;
  if (r == "audits" || r == "audits.csv") return read ? std::optional(audit_read) : std::nullopt;
  if (r == "personal-access-tokens") return token_write;
  if (r == "scheduler-clusters" || r == "seed-peer-clusters" || r == "schedulers" || r == "seed-peers" ||
      r == "hosts")
    return read ? cluster_read : cluster_write;
  if (r == "jobs") return read ? job_read : job_write;
  if (r == "certificates" && seg.size() == 2 && seg[1] == "revoke") return certificate_write;
  if (r == "enrollment-tokens") return certificate_write;  // listing them too: each is bound to a cluster
  return std::nullopt;
}

std::optional<std::string> job_cluster_violation(const std::vector<std::int64_t>& job_clusters,
                                                 const std::vector<std::int64_t>& allowed) {
  if (job_clusters.empty()) return "a cluster admin cannot run a job on every cluster: name scheduler_cluster_ids";
  for (const auto id : job_clusters)
    if (!in(allowed, id)) return "scheduler cluster " + std::to_string(id) + " is not one of this user's clusters";
  return std::nullopt;
}

access_decision decide_access(const caller& who, std::string_view method, std::string_view path) {
  switch (who.how) {
    case caller::kind::admin: return allow();
    case caller::kind::component_token:
      if (classify(method, path).what != endpoint::other) return allow();
      return forbid("the component token may call only POST /api/v1/hosts, /api/v1/schedulers, "
                    "/api/v1/seed-peers, their keepalives and /api/v1/schedulers/{id}/downloads");
    case caller::kind::certificate: return by_role(who.identity.role, classify(method, path));
    case caller::kind::user: return by_permission(who, method, path);
    case caller::kind::anonymous: break;
  }
  return {access_decision::outcome::unauthorized, name_binding::none, 0,
          "this API needs a console session (sign in), Authorization: Bearer <admin token>, the component token or a "
          "client certificate"};
}

std::optional<std::string> body_name_mismatch(const net::cluster_identity& id,
                                              const std::optional<std::string>& body_hostname) {
  if (!body_hostname || *body_hostname == id.name) return std::nullopt;
  return "this certificate speaks for " + id.name + ", not for hostname " + *body_hostname;
}

std::optional<std::string> row_name_mismatch(const net::cluster_identity& id, std::string_view what,
                                             std::string_view row_hostname) {
  if (row_hostname == id.name) return std::nullopt;
  return "this certificate speaks for " + id.name + ", not for the " + std::string(what) + " registered as " +
         std::string(row_hostname);
}

}  // namespace df::manager
