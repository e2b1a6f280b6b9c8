// /api/v1/schedulers, /api/v1/seed-peers (register, keepalive, list) and /api/v1/hosts (a host
// announces itself and is given its cluster).
#include "manager/api_handlers.hpp"

#include "manager/cluster_binding.hpp"
#include "manager/scope_match.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace df::manager {

namespace {

// Ranked clusters an announcement looks into for an active scheduler (one query each).
constexpr std::size_t max_clusters_tried = 16;

// ?search=TEXT&state=active|inactive next to page and per_page (docs/manager.md); `state` only
// where rows have one (schedulers, seed peers).
component_filter parse_filter(const api_context& ctx, std::string_view query, bool has_state) {
  component_filter f;
  f.alive_since = ctx.alive_since();
  if (auto search = query_value(query, "search")) {
    if (search->size() > max_search_bytes) throw invalid_value("search", "at most 128 bytes");
    f.search = std::move(*search);
  }
  const auto state = has_state ? query_value(query, "state") : std::nullopt;
  if (state == "active") f.state = component_filter::state_filter::active;
  else if (state == "inactive") f.state = component_filter::state_filter::inactive;
  else if (state && !state->empty()) throw invalid_value("state", "active or inactive");
  return f;
}

template <class T>
T with_state(T record, const api_context& ctx) {
  record.state = record.last_keepalive_at >= ctx.alive_since() ? component_state::active : component_state::inactive;
  return record;
}

template <class T>
api_response list_with_state(const api_context& ctx, result<page<T>> listed) {
  return list_response(std::move(listed), [&](const T& x) { return to_json(with_state(x, ctx)); });
}

// What registration answers: the record and how often to keep alive.
template <class T>
api_response registered(const api_context& ctx, const T& record) {
  json j = to_json(with_state(record, ctx));
  j["keepalive_interval_ms"] = ctx.keepalive_interval.count();
  return json_response(200, j);
}

// The cluster a host gets: the one its enrolled certificate is bound to, else the best-ranked one
// with an active scheduler, else the best-ranked.
api_response announce_host(api_context& ctx, const api_request& req) {
  auto host = decode_host(parse_body(req.body));
  const auto clusters = value_or_throw(ctx.db.all_scheduler_clusters(), "scheduler clusters");
  const auto ranks = rank_clusters({host.hostname, host.ip, host.idc, host.location}, clusters);
  if (ranks.empty()) throw api_error(404, "no_cluster", "no scheduler cluster matches this host and none is the default");
  const auto since = ctx.alive_since();
  std::int64_t chosen = ranks.front().cluster_id;
  std::vector<scheduler_record> schedulers;
  if (req.certificate_cluster != 0) {  // an enrolled certificate's cluster wins over the scopes
    chosen = req.certificate_cluster;
    schedulers = value_or_throw(ctx.db.schedulers_alive_since(chosen, since), "schedulers");
  }
  for (std::size_t i = 0; req.certificate_cluster == 0 && i < ranks.size() && i < max_clusters_tried; ++i) {
    const auto& rank = ranks[i];
    auto alive = value_or_throw(ctx.db.schedulers_alive_since(rank.cluster_id, since), "schedulers");
    if (!alive.empty()) {
      chosen = rank.cluster_id;
      schedulers = std::move(alive);
      break;
    }
  }
  const auto found = std::find_if(clusters.begin(), clusters.end(), [&](const auto& c) { return c.id == chosen; });
  if (found == clusters.end()) throw api_error(403, "forbidden", "the cluster this certificate was enrolled for is gone");
  const auto& cluster = *found;
  host.scheduler_cluster_id = chosen;
  host.last_seen_at = ctx.now_ms();
  const auto stored = value_or_throw(ctx.db.upsert_host(host), "host");
  const auto seeds = value_or_throw(ctx.db.seed_peers_alive_since(cluster.seed_peer_cluster_id, since), "seed peers");
  json s = json::array(), p = json::array();
  for (const auto& x : schedulers) s.push_back(to_json(with_state(x, ctx)));
  for (const auto& x : seeds) p.push_back(to_json(with_state(x, ctx)));
  return json_response(200, {{"host", to_json(stored)}, {"scheduler_cluster", to_json(cluster)}, {"schedulers", s},
                             {"seed_peers", p}});
}

// One shape for schedulers and seed peers: list, register, get, keepalive (whose answer
// `answer_extra` may add to).
template <class Decode, class Register, class Get, class Keepalive, class List, class Extra>
api_response component_routes(api_context& ctx, const routed_request& r, const char* what, Decode decode,
                              Register reg, Get get, Keepalive keepalive, List list, Extra answer_extra) {
  const auto& m = r.raw.method;
  if (r.segments.size() == 1) {
    if (m == "GET") return list_with_state(ctx, list(parse_page(r.raw.query), parse_filter(ctx, r.raw.query, true)));
    if (m != "POST") method_not_allowed("GET, POST");
    auto record = decode(parse_body(r.raw.body));
    return registered(ctx, value_or_throw(reg(record), what));
  }
  const auto id = path_id(r.segments[1]);
  if (r.segments.size() == 2) {
    if (m != "GET") method_not_allowed("GET");
    return json_response(200, to_json(with_state(value_or_throw(get(id), what), ctx)));
  }
  if (r.segments.size() != 3 || r.segments[2] != "keepalive") throw api_error(404, "not_found", "no such resource");
  if (m != "POST") method_not_allowed("POST");
  value_or_throw(keepalive(id), what);
  json answer = {{"id", id}, {"state", "active"}};
  answer_extra(id, answer);
  return json_response(200, answer);
}

}  // namespace

api_response handle_schedulers(api_context& ctx, const routed_request& r) {
  store& db = ctx.db;
  return component_routes(
      ctx, r, "scheduler", decode_scheduler,
      [&](scheduler_record& s) {
        if (const auto bound = r.raw.certificate_cluster)
          s.scheduler_cluster_id = held_to_bound_cluster(s.scheduler_cluster_id, bound, "scheduler_cluster_id");
        if (s.scheduler_cluster_id == 0)
          s.scheduler_cluster_id = value_or_throw(db.default_scheduler_cluster(), "default cluster").id;
        else if (!db.get_scheduler_cluster(s.scheduler_cluster_id))
          throw invalid_value("scheduler_cluster_id", "no scheduler cluster " + std::to_string(s.scheduler_cluster_id));
        auto out = db.register_scheduler(s, ctx.now_ms());
        if (out) spdlog::info("manager: scheduler {} {}:{} registered in cluster {}", s.hostname, s.ip, s.port,
                              s.scheduler_cluster_id);
        return out;
      },
      [&](std::int64_t id) { return db.get_scheduler(id); },
      [&](std::int64_t id) { return db.keepalive_scheduler(id, ctx.now_ms()); },
      [&](page_request p, const component_filter& f) { return db.list_schedulers(p, f); },
      // A scheduler learns its cluster's config from its keepalives (docs/manager.md).
      [&](std::int64_t id, json& answer) {
        const auto s = value_or_throw(db.get_scheduler(id), "scheduler");
        const auto cluster = value_or_throw(db.get_scheduler_cluster(s.scheduler_cluster_id), "scheduler cluster");
        answer["scheduler_cluster_id"] = cluster.id;
        answer["config"] = to_json(cluster.config);
      });
}

api_response handle_seed_peers(api_context& ctx, const routed_request& r) {
  store& db = ctx.db;
  return component_routes(
      ctx, r, "seed peer", decode_seed_peer,
      [&](seed_peer_record& s) {
        if (const auto bound = r.raw.certificate_cluster) {
          const auto paired = value_or_throw(db.get_scheduler_cluster(bound), "scheduler cluster").seed_peer_cluster_id;
          s.seed_peer_cluster_id = held_to_bound_cluster(s.seed_peer_cluster_id, paired, "seed_peer_cluster_id");
        }
        if (s.seed_peer_cluster_id == 0)
          s.seed_peer_cluster_id = value_or_throw(db.default_scheduler_cluster(), "default cluster").seed_peer_cluster_id;
        else if (!db.get_seed_peer_cluster(s.seed_peer_cluster_id))
          throw invalid_value("seed_peer_cluster_id", "no seed-peer cluster " + std::to_string(s.seed_peer_cluster_id));
        auto out = db.register_seed_peer(s, ctx.now_ms());
        if (out) spdlog::info("manager: seed peer {} {}:{} registered in seed-peer cluster {}", s.hostname, s.ip,
                              s.port, s.seed_peer_cluster_id);
        return out;
      },
      [&](std::int64_t id) { return db.get_seed_peer(id); },
      [&](std::int64_t id) { return db.keepalive_seed_peer(id, ctx.now_ms()); },
      [&](page_request p, const component_filter& f) { return db.list_seed_peers(p, f); }, [](std::int64_t, json&) {});
}

api_response handle_hosts(api_context& ctx, const routed_request& r) {
  if (r.segments.size() != 1) throw api_error(404, "not_found", "no such resource");
  if (r.raw.method == "GET")
    return list_response(ctx.db.list_hosts(parse_page(r.raw.query), parse_filter(ctx, r.raw.query, false)),
                         [](const host_record& h) { return to_json(h); });
  if (r.raw.method == "POST") return announce_host(ctx, r.raw);
  method_not_allowed("GET, POST");
}

}  // namespace df::manager
