#include "net/manager_protocol.hpp"

#include "core/cluster_limits.hpp"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <regex>

namespace df::net::manager {

using json = nlohmann::json;

namespace {

/// Thrown inside the parsers with the field that is wrong; caught at their boundary.
struct bad_field {
  std::string field;
};

const json& member(const json& j, const char* key, const std::string& where) {
  if (!j.is_object()) throw bad_field{where.empty() ? "(top)" : where};
  const auto it = j.find(key);
  if (it == j.end()) throw bad_field{where + (where.empty() ? "" : ".") + key};
  return *it;
}

std::uint64_t read_uint(const json& j, const char* key, const std::string& where, std::uint64_t max) {
  const auto& v = member(j, key, where);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) throw bad_field{where + "." + key};
  return v.get<std::uint64_t>();
}

std::string read_string(const json& v, const std::string& field) {
  if (!v.is_string() || v.get_ref<const std::string&>().size() > max_field) throw bad_field{field};
  return v.get<std::string>();
}

std::vector<std::string> read_list(const json& j, const char* key, const std::string& where) {
  const auto& v = member(j, key, where);
  const std::string field = where + "." + key;
  if (!v.is_array() || v.size() > max_list_entries) throw bad_field{field};
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(read_string(e, field + "[]"));
  return out;
}

// A count within the manager's bounds (a 0 would leave peers without parents).
std::uint32_t read_bounded(const json& j, const char* key, const std::string& where, std::uint32_t min,
                           std::uint32_t max) {
  const auto value = static_cast<std::uint32_t>(read_uint(j, key, where, max));
  if (value < min) throw bad_field{where + "." + key};
  return value;
}

// A peer rate limit: 0 (unlimited) or the manager's floor and up, so a tiny limit from a manager
// of another version cannot park every transfer for days.
std::uint64_t read_rate_limit(const json& j, const char* key, const std::string& where) {
  const std::uint64_t rate = read_uint(j, key, where, INT64_MAX);
  if (!cluster_limits::valid_peer_rate_limit(rate)) throw bad_field{where + "." + key};
  return rate;
}

cluster_config read_config(const json& j, const std::string& where) {
  cluster_config c;
  c.candidate_parent_limit = read_bounded(j, "candidate_parent_limit", where, cluster_limits::min_candidate_parents,
                                          cluster_limits::max_candidate_parents);
  c.filter_parent_limit = read_bounded(j, "filter_parent_limit", where, cluster_limits::min_filter_parents,
                                       cluster_limits::max_filter_parents);
  c.peer_upload_rate_limit = read_rate_limit(j, "peer_upload_rate_limit", where);
  c.peer_download_rate_limit = read_rate_limit(j, "peer_download_rate_limit", where);
  const std::string bl = where + ".blocklist";
  const auto& b = member(j, "blocklist", where);
  c.blocklist.applications = read_list(b, "applications", bl);
  c.blocklist.urls = read_list(b, "urls", bl);
  c.blocklist.tags = read_list(b, "tags", bl);
  return c;
}

/// Runs `parse` over the text; every failure becomes errc::malformed_message with `why` set.
template <class T, class F>
result<T> parse_with(std::string_view text, std::string& why, F parse) {
  const auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "not a JSON object";
    return errc::malformed_message;
  }
  try {
    return parse(j);
  } catch (const bad_field& e) {
    why = "missing or invalid field " + e.field;
  } catch (const json::exception& e) {
    why = e.what();
  }
  return errc::malformed_message;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// The canonical text of an IP literal, or "" when `host` is not one.
std::string canonical_ip(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return ::inet_ntop(AF_INET, &v4, text, sizeof text);
  if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    return ::inet_ntop(AF_INET, &v4, text, sizeof text);
  }
  return "[" + std::string(::inet_ntop(AF_INET6, &v6, text, sizeof text)) + "]";
}

}  // namespace

result<cluster_config> parse_cluster_config(std::string_view text, std::string& why) {
  return parse_with<cluster_config>(text, why, [](const json& j) { return read_config(j, "config"); });
}

result<host_answer> parse_host_answer(std::string_view text, std::string& why) {
  return parse_with<host_answer>(text, why, [](const json& j) {
    host_answer a;
    const auto& cluster = member(j, "scheduler_cluster", "");
    const auto& id = member(cluster, "id", "scheduler_cluster");
    if (!id.is_number_integer()) throw bad_field{"scheduler_cluster.id"};
    a.cluster_id = id.get<std::int64_t>();
    if (const auto seeds = cluster.find("seed_peer_cluster_id"); seeds != cluster.end()) {
      if (!seeds->is_number_integer()) throw bad_field{"scheduler_cluster.seed_peer_cluster_id"};
      a.seed_peer_cluster_id = seeds->get<std::int64_t>();
    }
    a.cluster_name = read_string(member(cluster, "name", "scheduler_cluster"), "scheduler_cluster.name");
    a.config = read_config(member(cluster, "config", "scheduler_cluster"), "scheduler_cluster.config");
    const auto& schedulers = member(j, "schedulers", "");
    if (!schedulers.is_array() || schedulers.size() > max_schedulers) throw bad_field{"schedulers"};
    for (const auto& s : schedulers) {
      const std::string ip = read_string(member(s, "ip", "schedulers[]"), "schedulers[].ip");
      const auto port = read_uint(s, "port", "schedulers[]", 65535);
      const bool v6 = ip.find(':') != std::string::npos;
      const std::string address = normalize_address((v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port));
      if (address.empty()) throw bad_field{"schedulers[].ip"};
      a.schedulers.push_back(address);
    }
    std::sort(a.schedulers.begin(), a.schedulers.end());
    a.schedulers.erase(std::unique(a.schedulers.begin(), a.schedulers.end()), a.schedulers.end());
    return a;
  });
}

result<registration> parse_registration(std::string_view text, std::string& why) {
  return parse_with<registration>(text, why, [](const json& j) {
    registration r;
    const auto& id = member(j, "id", "");
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) throw bad_field{"id"};
    r.id = id.get<std::int64_t>();
    const auto ms = read_uint(j, "keepalive_interval_ms", "", 3600 * 1000);
    r.keepalive_interval = std::chrono::milliseconds(std::max<std::uint64_t>(ms, 100));
    return r;
  });
}

result<cluster_config> parse_keepalive_config(std::string_view text, std::string& why) {
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_discarded() && j.is_object() && !j.contains("config")) return errc::not_found;
  return parse_with<cluster_config>(text, why, [](const json& k) { return read_config(member(k, "config", ""), "config"); });
}

bool split_host_port(std::string_view address, std::string& host, std::uint16_t& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return false;
  host = std::string(address.substr(0, colon));
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false;  // an IPv6 address needs brackets
  }
  unsigned value = 0;
  const auto digits = address.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::string normalize_address(std::string_view address) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(address, host, port)) return {};
  host = lower(host);
  if (host.size() > 1 && host.back() == '.') host.pop_back();
  if (host == "localhost") host = "127.0.0.1";
  if (auto ip = canonical_ip(host); !ip.empty()) return ip + ":" + std::to_string(port);
  const bool name_chars = std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
  if (host.empty() || host.size() > 253 || !name_chars) return {};
  return host + ":" + std::to_string(port);
}

std::vector<std::string> normalize_addresses(const std::vector<std::string>& addresses) {
  std::vector<std::string> out;
  for (const auto& a : addresses) {
    auto n = normalize_address(a);
    if (!n.empty() && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

std::vector<std::string> describe_changes(const cluster_config& before, const cluster_config& after) {
  std::vector<std::string> lines;
  const auto number = [&](const char* name, std::uint64_t a, std::uint64_t b) {
    if (a != b) lines.push_back(std::string(name) + " " + std::to_string(a) + " → " + std::to_string(b));
  };
  const auto list = [&](const char* name, const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a == b) return;
    const auto join = [](const std::vector<std::string>& v) {
      std::string s = "[";
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
      return s + "]";
    };
    lines.push_back(std::string(name) + " " + join(a) + " → " + join(b));
  };
  number("candidate_parent_limit", before.candidate_parent_limit, after.candidate_parent_limit);
  number("filter_parent_limit", before.filter_parent_limit, after.filter_parent_limit);
  number("peer_upload_rate_limit", before.peer_upload_rate_limit, after.peer_upload_rate_limit);
  number("peer_download_rate_limit", before.peer_download_rate_limit, after.peer_download_rate_limit);
  list("blocklist.applications", before.blocklist.applications, after.blocklist.applications);
  list("blocklist.urls", before.blocklist.urls, after.blocklist.urls);
  list("blocklist.tags", before.blocklist.tags, after.blocklist.tags);
  return lines;
}

struct blocklist_matcher::compiled {
  std::vector<std::pair<std::string, std::regex>> urls;
};

blocklist_matcher::blocklist_matcher() : compiled_(std::make_unique<compiled>()) {}

blocklist_matcher::blocklist_matcher(const blocklist& list) : list_(list), compiled_(std::make_unique<compiled>()) {
  for (const auto& pattern : list.urls) {
    try {
      compiled_->urls.emplace_back(pattern, std::regex(pattern, std::regex::ECMAScript));
    } catch (const std::regex_error&) {
      ++invalid_;
    }
  }
}

blocklist_matcher::~blocklist_matcher() = default;
blocklist_matcher::blocklist_matcher(blocklist_matcher&&) noexcept = default;
blocklist_matcher& blocklist_matcher::operator=(blocklist_matcher&&) noexcept = default;

bool blocklist_matcher::empty() const {
  return list_.applications.empty() && list_.tags.empty() && compiled_->urls.empty();
}

std::string blocklist_matcher::refusal(std::string_view url, std::string_view tag, std::string_view application) const {
  const auto has = [](const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (!application.empty() && has(list_.applications, application))
    return "application '" + std::string(application) + "' is blocklisted by the cluster config";
  if (!tag.empty() && has(list_.tags, tag)) return "tag '" + std::string(tag) + "' is blocklisted by the cluster config";
  const std::string text(url);
  for (const auto& [pattern, re] : compiled_->urls) {
    try {
      if (std::regex_search(text, re)) return "URL matches blocklisted pattern '" + pattern + "' of the cluster config";
    } catch (const std::regex_error&) {
      return "URL cannot be checked against blocklisted pattern '" + pattern + "' (too complex); refused";
    }
  }
  return {};
}

}  // namespace df::net::manager
