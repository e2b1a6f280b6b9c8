#include "manager/audit.hpp"

#include "manager/api_handlers.hpp"

#include <charconv>

namespace df::manager {

namespace {

std::int64_t query_int(std::string_view query, const char* key) {
  const auto v = query_value(query, key);
  if (!v) return 0;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (v->empty() || ec != std::errc{} || end != v->data() + v->size() || n < 0)
    throw invalid_value(key, "must be a non-negative integer");
  return n;
}

}  // namespace

bool state_changing(std::string_view method) { return method != "GET" && method != "HEAD"; }

audit_record make_audit(const audit_actor& who, std::string_view ip, std::string_view method, std::string_view path,
                        int status, std::string_view answer_body, std::int64_t now) {
  audit_record a;
  a.time = now;
  a.actor_type = who.type;
  a.actor = who.name.substr(0, 128);
  a.ip = std::string(ip.substr(0, 64));
  a.method = std::string(method.substr(0, 16));
  a.path = std::string(path.substr(0, 512));
  a.status = status;
  for (const std::string_view prefix : {"/api/v1/", "/oapi/v1/"}) {
    if (!path.starts_with(prefix)) continue;
    const auto seg = split_path(path.substr(prefix.size()));
    if (!seg.empty()) a.resource = std::string(seg[0].substr(0, 64));
    if (seg.size() > 1) a.resource_id = std::string(seg[1].substr(0, 128));
  }
  if (a.resource_id.empty() && status >= 200 && status < 300 && !answer_body.empty()) {
    const auto j = nlohmann::json::parse(answer_body, nullptr, false);
    if (j.is_object() && j.contains("id") && j["id"].is_number_integer())
      a.resource_id = std::to_string(j["id"].get<std::int64_t>());
  }
  return a;
}

audit_filter parse_audit_filter(std::string_view query) {
  audit_filter f;
  f.actor = query_value(query, "actor").value_or("");
  f.actor_type = query_value(query, "actor_type").value_or("");
  f.method = query_value(query, "method").value_or("");
  f.path = query_value(query, "path").value_or("");
  const auto status = query_int(query, "status");
  if (status > 999) throw invalid_value("status", "must be an HTTP status");
  f.status = static_cast<int>(status);
  f.since = query_int(query, "since");
  f.until = query_int(query, "until");
  if (!f.actor_type.empty() && f.actor_type != "user" && f.actor_type != "admin_token" &&
      f.actor_type != "personal_access_token" && f.actor_type != "anonymous")
    throw invalid_value("actor_type", "must be user, admin_token, personal_access_token or anonymous");
  return f;
}

std::string csv_cell(std::string_view value) {
  std::string v(value);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r'))
    v.insert(v.begin(), '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string audits_csv(const std::vector<audit_record>& rows) {
  std::string out = "id,time,actor_type,actor,ip,method,path,status,resource,resource_id\r\n";
  for (const auto& a : rows) {
    const std::string cells[] = {std::to_string(a.id), std::to_string(a.time), a.actor_type, a.actor,
                                 a.ip, a.method, a.path, std::to_string(a.status), a.resource, a.resource_id};
    for (std::size_t i = 0; i < std::size(cells); ++i) {
      if (i) out += ',';
      out += csv_cell(cells[i]);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace df::manager
