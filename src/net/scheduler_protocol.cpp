#include "net/scheduler_protocol.hpp"

#include "core/ids.hpp"

#include "net/json_variant.hpp"

namespace df::net::proto {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(host_info, host_id, hostname, ip, upload_port, idc, location, seed,
                                   upload_rate_limit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(parent_info, peer_id, host_id, ip, upload_port, seed, pieces)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(piece_entry, piece, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(hello, version, host)
inline void to_json(nlohmann::json& j, const keepalive&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json&, keepalive&) {}
// `digest` came later in version 1: a message without it decodes with the default.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(register_peer, task_id, peer_id, url, headers, tag, application,
                                                filters, source, complete, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(task_meta, task_id, peer_id, content_length, piece_size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(piece_done, task_id, peer_id, piece, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(peer_done, task_id, peer_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(peer_failed, task_id, peer_id, message, origin_status, error_type)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(parent_failed, task_id, peer_id, parent_peer_id, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(leave_peer, task_id, peer_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(seed_task, task_id, url, headers, tag, application, filters, digest)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(task_info, task_id, peer_id, content_length, piece_size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(parents, task_id, peer_id, parents, digests)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(have, task_id, peer_id, parent_peer_id, pieces)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(back_to_source, task_id, peer_id, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(task_failed, task_id, peer_id, message, origin_status, error_type)

namespace {

// Names in the order of the message variant's alternatives.
constexpr std::string_view names[] = {
    "hello",       "keepalive",     "register_peer", "task_meta", "piece_done", "peer_done",
    "peer_failed", "parent_failed", "leave_peer",    "seed_task", "task_info",  "parents",
    "have",        "back_to_source", "task_failed"};
static_assert(std::size(names) == std::variant_size_v<message>);

// Task IDs name directories and URLs; a message with a malformed one is rejected up front.
bool task_id_ok(const message& m) {
  return std::visit(
      [](const auto& v) {
        if constexpr (requires { v.task_id; }) return is_valid_task_id(v.task_id);
        else return true;
      },
      m);
}

}  // namespace

std::string_view type_name(const message& m) { return names[m.index()]; }

std::string encode(const message& m) { return encode_typed_json(names, m); }

result<message> decode(std::string_view json) {
  auto m = decode_typed_json<message>(names, json);
  if (!m) return m;
  if (const auto* h = std::get_if<hello>(&*m); h && h->version != protocol_version) return errc::unsupported_version;
  if (!task_id_ok(*m)) return errc::malformed_message;
  return m;
}

}  // namespace df::net::proto
