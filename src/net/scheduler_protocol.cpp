#include "net/scheduler_protocol.hpp"

#include "core/ids.hpp"
#include "core/piece_layout.hpp"

#include "net/json_variant.hpp"

#include <algorithm>
#include <type_traits>

namespace df::net::proto {

// `features` came later in version 1: a host without it decodes with none.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(host_info, host_id, hostname, ip, upload_port, idc, location, seed,
                                                upload_rate_limit, features)
// `held` came later in version 1: a parent without it decodes with "".
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(parent_info, peer_id, host_id, ip, upload_port, seed, pieces, held)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(piece_entry, piece, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(hello, version, host)
inline void to_json(nlohmann::json& j, const keepalive&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, keepalive&) {}
// `digest` came later in version 1: a message without it decodes with the default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(register_peer, task_id, peer_id, url, headers, tag, application,
                                                filters, source, complete, digest)
// `signer` came later in version 1: a message without it decodes with "" (unsigned digests).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(task_meta, task_id, peer_id, content_length, piece_size, signer)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(piece_done, task_id, peer_id, piece, digest)
// The byte counts came later in version 1: a message without them decodes with 0.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(peer_done, task_id, peer_id, bytes_from_peers, bytes_from_origin)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(peer_failed, task_id, peer_id, message, origin_status, error_type,
                                                bytes_from_peers, bytes_from_origin)
// `pieces` came later in version 1: a report without it names none.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(parent_failed, task_id, peer_id, parent_peer_id, reason, pieces)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(leave_peer, task_id, peer_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(seed_task, task_id, url, headers, tag, application, filters, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(task_info, task_id, peer_id, content_length, piece_size, signer)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(parents, task_id, peer_id, parents, digests)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(have, task_id, peer_id, parent_peer_id, pieces)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(back_to_source, task_id, peer_id, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(task_failed, task_id, peer_id, message, origin_status, error_type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(digests, task_id, peer_id, first, digests)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(reverify, task_id, peer_id, pieces)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(reverified, task_id, peer_id, dropped, verified)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(preheat, task_id, url, headers, tag, application, filters)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(delete_task, task_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(preheat_done, task_id, bytes, duration_ms, source, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(task_deleted, task_id, held, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(job_request, job_id, job, urls, task_id, headers, tag, application,
                                                filters, scope, concurrent_count, timeout_ms, token)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(job_host, hostname, ip, url, bytes, duration_ms, source, error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(job_result, job_id, hosts, error)

namespace {

// Names in the order of the message variant's alternatives.
constexpr std::string_view names[] = {
    "hello",       "keepalive",     "register_peer", "task_meta", "piece_done", "peer_done",
    "peer_failed", "parent_failed", "leave_peer",    "seed_task", "task_info",  "parents",
    "have",        "back_to_source", "task_failed", "digests",   "reverify",   "reverified",
    "preheat",     "delete_task",   "preheat_done",  "task_deleted", "job_request", "job_result"};
static_assert(std::size(names) == std::variant_size_v<message>);

// Task IDs name directories and URLs; a message with a malformed one is rejected up front (a
// job_request may name none: its task comes from its URL).
bool task_id_ok(const message& m) {
  return std::visit(
      [](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, job_request>)
          return v.task_id.empty() || is_valid_task_id(v.task_id);
        else if constexpr (requires { v.task_id; }) return is_valid_task_id(v.task_id);
        else return true;
      },
      m);
}

// Field bounds (field_limits): a hostile host can send any JSON up to the frame limit, and every
// string or list it sends may be kept per peer, so each is bounded before the message is used.
struct bounds_check {
  bool ok = true;

  void id(const std::string& s) { ok = ok && s.size() <= field_limits::id; }
  void text(const std::string& s, std::size_t max) { ok = ok && s.size() <= max; }
  void piece(std::uint32_t p) { ok = ok && p < max_piece_count; }
  void headers(const std::map<std::string, std::string>& h) {
    std::size_t bytes = 0;
    for (const auto& [k, v] : h) bytes += k.size() + v.size();
    ok = ok && h.size() <= field_limits::headers && bytes <= field_limits::header_bytes;
  }
  void filters(const std::vector<std::string>& f) {
    ok = ok && f.size() <= field_limits::filters;
    for (const auto& s : f) id(s);
  }
  void request(const std::string& url, const std::map<std::string, std::string>& h, const std::string& tag,
               const std::string& application, const std::vector<std::string>& f, const std::string& digest) {
    text(url, field_limits::url);
    headers(h);
    id(tag);
    id(application);
    filters(f);
    text(digest, field_limits::digest);
  }
  void pieces(const std::vector<std::uint32_t>& list, std::size_t max) {
    ok = ok && list.size() <= max;
    for (auto p : list) piece(p);
  }
  void task_bytes(std::uint64_t peers, std::uint64_t origin) {
    ok = ok && peers <= field_limits::task_bytes && origin <= field_limits::task_bytes;
  }
  void digests(const std::vector<std::string>& d) {
    ok = ok && d.size() <= max_piece_count;
    for (const auto& s : d) text(s, field_limits::digest);
  }

  void operator()(const hello& m) {
    for (const auto* s : {&m.host.host_id, &m.host.hostname, &m.host.ip, &m.host.idc, &m.host.location}) id(*s);
    ok = ok && m.host.features.size() <= field_limits::features;
    for (const auto& f : m.host.features) id(f);
  }
  void operator()(const keepalive&) {}
  void operator()(const register_peer& m) {
    id(m.peer_id);
    request(m.url, m.headers, m.tag, m.application, m.filters, m.digest);
  }
  void operator()(const task_meta& m) {
    id(m.peer_id);
    text(m.signer, field_limits::certificate);
  }
  void operator()(const piece_done& m) {
    id(m.peer_id);
    piece(m.piece);
    text(m.digest, field_limits::digest);
  }
  void operator()(const peer_done& m) {
    id(m.peer_id);
    task_bytes(m.bytes_from_peers, m.bytes_from_origin);
  }
  void operator()(const peer_failed& m) {
    id(m.peer_id);
    task_bytes(m.bytes_from_peers, m.bytes_from_origin);
    text(m.message, field_limits::text);
    id(m.error_type);
  }
  void operator()(const parent_failed& m) {
    id(m.peer_id);
    id(m.parent_peer_id);
    text(m.reason, field_limits::text);
    pieces(m.pieces, field_limits::reported_pieces);
  }
  void operator()(const leave_peer& m) { id(m.peer_id); }
  void operator()(const seed_task& m) { request(m.url, m.headers, m.tag, m.application, m.filters, m.digest); }
  void operator()(const task_info& m) {
    id(m.peer_id);
    text(m.signer, field_limits::certificate);
  }
  void operator()(const parents& m) {
    id(m.peer_id);
    ok = ok && m.parents.size() <= field_limits::parents;
    for (const auto& p : m.parents) {
      id(p.peer_id);
      id(p.host_id);
      id(p.ip);
      ok = ok && p.pieces.size() <= max_piece_count;
      for (auto i : p.pieces) piece(i);
      text(p.held, max_piece_count / 4);
    }
    digests(m.digests);
  }
  void operator()(const have& m) {
    id(m.peer_id);
    id(m.parent_peer_id);
    ok = ok && m.pieces.size() <= max_piece_count;
    for (const auto& e : m.pieces) {
      piece(e.piece);
      text(e.digest, field_limits::digest);
    }
  }
  void operator()(const back_to_source& m) {
    id(m.peer_id);
    text(m.reason, field_limits::text);
  }
  void operator()(const struct digests& m) {
    id(m.peer_id);
    piece(m.first);
    digests(m.digests);
    ok = ok && std::size_t{m.first} + m.digests.size() <= max_piece_count;
  }
  void operator()(const reverify& m) {
    id(m.peer_id);
    pieces(m.pieces, field_limits::reverify_pieces);
  }
  void operator()(const reverified& m) {
    id(m.peer_id);
    pieces(m.dropped, max_wire_entries);
    pieces(m.verified, field_limits::reverify_pieces);
  }
  void operator()(const preheat& m) { request(m.url, m.headers, m.tag, m.application, m.filters, {}); }
  void operator()(const delete_task&) {}
  void operator()(const preheat_done& m) {
    id(m.source);
    text(m.error, field_limits::text);
  }
  void operator()(const task_deleted& m) { text(m.error, field_limits::text); }
  void operator()(const job_request& m) {
    id(m.job);
    id(m.scope);
    id(m.token);
    ok = ok && m.urls.size() <= field_limits::job_urls;
    for (const auto& u : m.urls) text(u, field_limits::url);
    request({}, m.headers, m.tag, m.application, m.filters, {});
  }
  void operator()(const job_result& m) {
    text(m.error, field_limits::text);
    ok = ok && m.hosts.size() <= field_limits::job_hosts;
    for (const auto& h : m.hosts) {
      for (const auto* s : {&h.hostname, &h.ip, &h.source}) id(*s);
      text(h.url, field_limits::url);
      text(h.error, field_limits::text);
    }
  }
  void operator()(const task_failed& m) {
    id(m.peer_id);
    text(m.message, field_limits::text);
    id(m.error_type);
  }
};

}  // namespace

std::string_view type_name(const message& m) { return names[m.index()]; }

bool has_feature(const host_info& host, std::string_view feature) {
  return std::find(host.features.begin(), host.features.end(), feature) != host.features.end();
}

std::vector<message> split_for_wire(message m) {
  std::vector<message> out;
  if (auto* p = std::get_if<parents>(&m); p && p->digests.size() > max_wire_entries) {
    for (std::size_t first = 0; first < p->digests.size(); first += max_wire_entries) {
      const auto end = std::min(p->digests.size(), first + max_wire_entries);
      out.emplace_back(digests{p->task_id, p->peer_id, static_cast<std::uint32_t>(first),
                               std::vector<std::string>(p->digests.begin() + static_cast<std::ptrdiff_t>(first),
                                                        p->digests.begin() + static_cast<std::ptrdiff_t>(end))});
    }
    p->digests.clear();
  } else if (auto* h = std::get_if<have>(&m); h && h->pieces.size() > max_wire_entries) {
    for (std::size_t first = 0; first < h->pieces.size(); first += max_wire_entries) {
      const auto end = std::min(h->pieces.size(), first + max_wire_entries);
      out.emplace_back(have{h->task_id, h->peer_id, h->parent_peer_id,
                            std::vector<piece_entry>(h->pieces.begin() + static_cast<std::ptrdiff_t>(first),
                                                     h->pieces.begin() + static_cast<std::ptrdiff_t>(end))});
    }
    return out;
  }
  out.push_back(std::move(m));
  return out;
}

std::string encode(const message& m) { return encode_typed_json(names, m); }

result<message> decode(std::string_view json) {
  auto m = decode_typed_json<message>(names, json);
  if (!m) return m;
  if (const auto* h = std::get_if<hello>(&*m); h && h->version != protocol_version) return errc::unsupported_version;
  if (!task_id_ok(*m)) return errc::malformed_message;
  bounds_check bounds;
  std::visit(bounds, *m);
  if (!bounds.ok) return errc::out_of_bounds;
  return m;
}

bool is_unknown_type(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  const auto type = j.find("type");
  return type != j.end() && type->is_string() &&
         std::find(std::begin(names), std::end(names), type->get<std::string>()) == std::end(names);
}

}  // namespace df::net::proto
