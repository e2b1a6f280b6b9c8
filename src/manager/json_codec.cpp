#include "manager/json_codec.hpp"

#include "core/cluster_limits.hpp"
#include "manager/api_error.hpp"
#include "manager/cidr.hpp"
#include "manager/json_reader.hpp"

#include <fmt/format.h>

#include <regex>

namespace df::manager {

namespace {

constexpr std::size_t max_pattern_length = 256;

void check_regexes(const std::vector<std::string>& patterns, const std::string& field) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (patterns[i].empty() || patterns[i].size() > max_pattern_length)
      throw invalid_value(name, "a pattern must have 1 to " + std::to_string(max_pattern_length) + " characters");
    try {
      std::regex(patterns[i], std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw invalid_value(name, std::string("not a regular expression: ") + e.what());
    }
  }
}

// 1 to `max` letters, digits, '-', '_', '.' or one of `extra`.
bool valid_name(const std::string& s, std::size_t max, std::string_view extra = "") {
  if (s.empty() || s.size() > max) return false;
  for (const char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        extra.find(c) == std::string_view::npos)
      return false;
  return true;
}

void read_scopes(const json& j, cluster_scopes& s) {
  json_reader r(j, "scopes.");
  r.read("idc", s.idc);
  r.read("location", s.location);
  r.read("cidrs", s.cidrs);
  r.read("hostnames", s.hostnames);
  r.finish();
}

void read_config(const json& j, cluster_config& c) {
  json_reader r(j, "config.");
  r.read("candidate_parent_limit", c.candidate_parent_limit);
  r.read("filter_parent_limit", c.filter_parent_limit);
  r.read("peer_upload_rate_limit", c.peer_upload_rate_limit);
  r.read("peer_download_rate_limit", c.peer_download_rate_limit);
  if (const auto* b = r.object("blocklist")) {
    json_reader br(*b, "config.blocklist.");
    br.read("applications", c.blocklist.applications);
    br.read("urls", c.blocklist.urls);
    br.read("tags", c.blocklist.tags);
    br.finish();
  }
  r.finish();
}

// Checks a component's address fields, shared by schedulers, seed peers and hosts.
void check_address(const std::string& hostname, const std::string& ip) {
  if (!valid_name(hostname, 253)) throw invalid_value("hostname", "1 to 253 letters, digits, '-', '_' or '.'");
  if (!parse_ip(ip)) throw invalid_value("ip", "not an IPv4 or IPv6 address");
}

// The fields schedulers and seed peers share: who they are, where, and the port to reach them on.
template <class T>
void read_component(json_reader& r, T& s) {
  r.read("hostname", s.hostname);
  r.read("ip", s.ip);
  if (!r.read("port", s.port) || s.port == 0) throw invalid_value("port", "required, 1 to 65535");
  r.read("idc", s.idc);
  r.read("location", s.location);
}

}  // namespace

json parse_body(std::string_view body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_json_depth)
        throw api_error(400, "too_deep", "JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw api_error(400, "invalid_json", "the body is not JSON");
  if (!j.is_object()) throw api_error(400, "wrong_type", "the body must be a JSON object");
  return j;
}

void apply_cluster_fields(const json& j, scheduler_cluster& c) {
  json_reader r(j, "");
  r.read("name", c.name);
  r.read("bio", c.bio);
  r.read("is_default", c.is_default);
  if (const auto* s = r.object("scopes")) read_scopes(*s, c.scopes);
  if (const auto* cfg = r.object("config")) read_config(*cfg, c.config);
  r.finish();
  validate_cluster(c);
}

void validate_cluster(const scheduler_cluster& c) {
  if (!valid_name(c.name, 64)) throw invalid_value("name", "1 to 64 letters, digits, '-', '_' or '.'");
  for (std::size_t i = 0; i < c.scopes.cidrs.size(); ++i)
    if (!parse_cidr(c.scopes.cidrs[i]))
      throw invalid_value("scopes.cidrs[" + std::to_string(i) + "]", "'" + c.scopes.cidrs[i] + "' is not a CIDR");
  for (std::size_t i = 0; i < c.scopes.hostnames.size(); ++i)
    if (!valid_name(c.scopes.hostnames[i], 253, "*?"))
      throw invalid_value("scopes.hostnames[" + std::to_string(i) + "]",
                          "a glob of 1 to 253 letters, digits, '-', '_', '.', '*' or '?'");
  check_regexes(c.config.blocklist.urls, "config.blocklist.urls");
  using namespace cluster_limits;
  if (c.config.candidate_parent_limit < min_candidate_parents || c.config.candidate_parent_limit > max_candidate_parents)
    throw invalid_value("config.candidate_parent_limit",
                        fmt::format("must be {} to {}", min_candidate_parents, max_candidate_parents));
  if (c.config.filter_parent_limit < min_filter_parents || c.config.filter_parent_limit > max_filter_parents)
    throw invalid_value("config.filter_parent_limit",
                        fmt::format("must be {} to {}", min_filter_parents, max_filter_parents));
  for (const auto& [name, rate] : {std::pair{"config.peer_upload_rate_limit", c.config.peer_upload_rate_limit},
                                   std::pair{"config.peer_download_rate_limit", c.config.peer_download_rate_limit}})
    if (!valid_peer_rate_limit(rate))
      throw invalid_value(name, fmt::format("must be 0 (unlimited) or at least {} bytes/s (64 KiB/s)",
                                            min_peer_rate_limit));
}

json to_json(const cluster_scopes& s) {
  return {{"idc", s.idc}, {"location", s.location}, {"cidrs", s.cidrs}, {"hostnames", s.hostnames}};
}

json to_json(const cluster_config& c) {
  return {{"candidate_parent_limit", c.candidate_parent_limit},
          {"filter_parent_limit", c.filter_parent_limit},
          {"peer_upload_rate_limit", c.peer_upload_rate_limit},
          {"peer_download_rate_limit", c.peer_download_rate_limit},
          {"blocklist",
           {{"applications", c.blocklist.applications}, {"urls", c.blocklist.urls}, {"tags", c.blocklist.tags}}}};
}

cluster_scopes scopes_from_json(const json& j) {
  cluster_scopes s;
  read_scopes(j, s);
  return s;
}

cluster_config config_from_json(const json& j) {
  cluster_config c;
  read_config(j, c);
  return c;
}

json to_json(const scheduler_cluster& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"bio", c.bio},
          {"scopes", to_json(c.scopes)},
          {"config", to_json(c.config)},
          {"is_default", c.is_default},
          {"seed_peer_cluster_id", c.seed_peer_cluster_id},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at}};
}

json to_json(const seed_peer_cluster& c) {
  return {{"id", c.id}, {"name", c.name}, {"bio", c.bio}, {"scheduler_cluster_id", c.scheduler_cluster_id},
          {"created_at", c.created_at}, {"updated_at", c.updated_at}};
}

const char* to_string(component_state s) { return s == component_state::active ? "active" : "inactive"; }

json to_json(const scheduler_record& s) {
  return {{"id", s.id}, {"hostname", s.hostname}, {"ip", s.ip}, {"port", s.port}, {"idc", s.idc},
          {"location", s.location}, {"scheduler_cluster_id", s.scheduler_cluster_id},
          {"last_keepalive_at", s.last_keepalive_at}, {"state", to_string(s.state)}};
}

json to_json(const seed_peer_record& s) {
  return {{"id", s.id}, {"hostname", s.hostname}, {"ip", s.ip}, {"port", s.port},
          {"download_port", s.download_port}, {"type", s.type}, {"idc", s.idc}, {"location", s.location},
          {"seed_peer_cluster_id", s.seed_peer_cluster_id}, {"last_keepalive_at", s.last_keepalive_at},
          {"state", to_string(s.state)}};
}

json to_json(const host_record& h) {
  return {{"id", h.id}, {"hostname", h.hostname}, {"ip", h.ip}, {"idc", h.idc}, {"location", h.location},
          {"version", h.version}, {"cache_bytes", h.cache_bytes}, {"upload_rate_limit", h.upload_rate_limit},
          {"scheduler_cluster_id", h.scheduler_cluster_id}, {"last_seen_at", h.last_seen_at}};
}

scheduler_record decode_scheduler(const json& j) {
  scheduler_record s;
  json_reader r(j, "");
  read_component(r, s);
  r.read("scheduler_cluster_id", s.scheduler_cluster_id);
  r.finish();
  check_address(s.hostname, s.ip);
  return s;
}

seed_peer_record decode_seed_peer(const json& j) {
  seed_peer_record s;
  json_reader r(j, "");
  read_component(r, s);
  r.read("download_port", s.download_port);
  r.read("type", s.type);
  r.read("seed_peer_cluster_id", s.seed_peer_cluster_id);
  r.finish();
  check_address(s.hostname, s.ip);
  if (s.type != "super" && s.type != "strong" && s.type != "weak")
    throw invalid_value("type", "one of super, strong, weak");
  return s;
}

host_record decode_host(const json& j) {
  host_record h;
  json_reader r(j, "");
  r.read("hostname", h.hostname);
  r.read("ip", h.ip);
  r.read("idc", h.idc);
  r.read("location", h.location);
  r.read("version", h.version);
  r.read("cache_bytes", h.cache_bytes);
  r.read("upload_rate_limit", h.upload_rate_limit);
  r.finish();
  check_address(h.hostname, h.ip);
  return h;
}

}  // namespace df::manager
