#pragma once
// The manager's model to and from JSON. Decoding is strict: unknown fields, wrong types, values
// out of range and malformed CIDRs or regular expressions are api_errors naming the field.

#include "manager/model.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace df::manager {

using json = nlohmann::json;

/// Deepest nesting of arrays and objects a request body may have.
inline constexpr int max_json_depth = 16;

/// Parses a request body: not JSON, nested past max_json_depth, or not an object → api_error.
/// The depth is checked before parsing, so hostile nesting costs no recursion.
json parse_body(std::string_view body);

/// Applies the fields present in `j` (a create or PATCH body) to `c`, then validates the whole.
void apply_cluster_fields(const json& j, scheduler_cluster& c);
/// Validates a cluster's values (name, lengths, CIDRs, regular expressions, limits).
void validate_cluster(const scheduler_cluster& c);

json to_json(const scheduler_cluster& c);
json to_json(const seed_peer_cluster& c);
json to_json(const scheduler_record& s);
json to_json(const seed_peer_record& s);
json to_json(const host_record& h);
json to_json(const cluster_scopes& s);
json to_json(const cluster_config& c);

/// Scopes and config as stored (the store keeps them as JSON text in one column each).
cluster_scopes scopes_from_json(const json& j);
cluster_config config_from_json(const json& j);

/// A scheduler's registration body: hostname, ip, port, idc, location, scheduler_cluster_id.
scheduler_record decode_scheduler(const json& j);
/// A seed peer's registration body: hostname, ip, port, download_port, type, idc, location,
/// seed_peer_cluster_id.
seed_peer_record decode_seed_peer(const json& j);
/// A host's announcement: hostname, ip, idc, location, version, cache_bytes, upload_rate_limit.
host_record decode_host(const json& j);

/// "active" / "inactive".
const char* to_string(component_state s);

}  // namespace df::manager
