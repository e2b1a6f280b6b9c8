#include "manager/job_codec.hpp"

#include "core/url.hpp"
#include "manager/api_error.hpp"
#include "manager/cron.hpp"
#include "manager/json_reader.hpp"

#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace df::manager {

using json = nlohmann::json;

namespace {

constexpr const char* redacted = "<redacted>";
constexpr std::size_t max_headers = 64;
constexpr std::size_t max_clusters_per_job = 100;

// Header names whose values are credentials.
bool is_credential_header(const std::string& name) {
  for (const char* h : {"Authorization", "Proxy-Authorization", "Cookie", "X-Registry-Auth"})
    if (::strcasecmp(name.c_str(), h) == 0) return true;
  return false;
}

std::string checked_url(const std::string& text, const std::string& field) {
  if (text.empty()) throw invalid_value(field, "required");
  if (!parse_url(text)) throw invalid_value(field, "not an absolute http:// or https:// URL");
  return text;
}

json read_headers(const json* j) {
  json out = json::object();
  if (!j) return out;
  if (!j->is_object()) throw api_error(400, "wrong_type", "args.headers: must be an object of strings");
  if (j->size() > max_headers) throw invalid_value("args.headers", "more than " + std::to_string(max_headers));
  json_reader r(*j, "args.headers.");
  for (const auto& [name, value] : j->items()) {
    if (name.empty() || name.size() > 256 || name.find_first_of(" :\r\n\t") != std::string::npos)
      throw invalid_value("args.headers", "'" + name.substr(0, 64) + "' is not a header name");
    std::string v;
    r.read(name.c_str(), v);
    out[name] = v;
  }
  return out;
}

// The fields every task-addressing job shares: which task (url + its ID parts).
void read_task_fields(json_reader& r, json& a) {
  std::string tag, application, filtered;
  r.read("tag", tag);
  r.read("application", application);
  r.read("filtered_query_params", filtered);
  a["tag"] = tag;
  a["application"] = application;
  a["filtered_query_params"] = filtered;
}

std::int64_t read_timeout_ns(json_reader& r) {
  std::int64_t ns = 0;
  r.read("timeout", ns);  // Go's time.Duration: nanoseconds
  if (ns < 0 || ns / 1000000 > max_job_timeout_ms) throw invalid_value("args.timeout", "0 to 24h in nanoseconds");
  return ns;
}

json decode_preheat(const json& j) {
  json_reader r(j, "args.");
  json a = json::object();
  std::string type, url, username, password, platform, scope;
  std::vector<std::string> urls;
  std::int64_t concurrent = 0;
  r.read("type", type);
  if (type != "image" && type != "file") throw invalid_value("args.type", "must be image or file");
  r.read("url", url);
  r.read("urls", urls);
  const auto headers = read_headers(r.object("headers"));
  r.read("username", username);
  r.read("password", password);
  r.read("platform", platform);
  r.read("scope", scope);
  r.read("concurrent_count", concurrent);
  read_task_fields(r, a);
  const auto timeout = read_timeout_ns(r);
  r.finish();
  if (type == "image") {
    if (!urls.empty()) throw invalid_value("args.urls", "an image preheat takes one manifest url");
    checked_url(url, "args.url");
    const auto parsed = parse_url(url);
    if (parsed->target.find("/v2/") != 0 || parsed->target.find("/manifests/") == std::string::npos)
      throw invalid_value("args.url", "an image url is a manifest url: http(s)://registry/v2/<name>/manifests/<reference>");
    if (!platform.empty() && std::count(platform.begin(), platform.end(), '/') == 0)
      throw invalid_value("args.platform", "os/arch[/variant], e.g. linux/amd64");
  } else {
    if (!url.empty()) urls.insert(urls.begin(), url);
    if (urls.empty()) throw invalid_value("args.url", "required (or args.urls)");
    for (std::size_t i = 0; i < urls.size(); ++i) checked_url(urls[i], "args.urls[" + std::to_string(i) + "]");
    url.clear();
    if (!platform.empty()) throw invalid_value("args.platform", "only for image preheats");
  }
  if (scope.empty()) scope = "single_seed_peer";
  if (scope != "single_seed_peer" && scope != "all_seed_peers" && scope != "all_peers")
    throw invalid_value("args.scope", "must be single_seed_peer, all_seed_peers or all_peers");
  if (concurrent < 0 || concurrent > 500) throw invalid_value("args.concurrent_count", "1 to 500 (0: 50)");
  a["type"] = type;
  a["url"] = url;
  a["urls"] = urls;
  a["headers"] = headers;
  a["username"] = username;
  a["password"] = password;
  a["platform"] = platform;
  a["scope"] = scope;
  a["concurrent_count"] = concurrent == 0 ? 50 : concurrent;
  a["timeout"] = timeout;
  return a;
}

// get_task and delete_task: a task by ID, or by URL and the parts of its ID.
json decode_task_job(const json& j, bool with_timeout) {
  json_reader r(j, "args.");
  json a = json::object();
  std::string task_id, url;
  r.read("task_id", task_id);
  r.read("url", url);
  read_task_fields(r, a);
  if (with_timeout) a["timeout"] = read_timeout_ns(r);
  r.finish();
  if (task_id.empty() && url.empty()) throw invalid_value("args.url", "required (or args.task_id)");
  if (!url.empty()) checked_url(url, "args.url");
  if (task_id.size() > 128) throw invalid_value("args.task_id", "longer than 128");
  a["task_id"] = task_id;
  a["url"] = url;
  return a;
}

std::vector<std::string> checked_scopes(std::vector<std::string> scopes) {
  if (scopes.empty()) throw invalid_value("scopes", "at least one of job, cluster");
  for (std::size_t i = 0; i < scopes.size(); ++i)
    if (scopes[i] != "job" && scopes[i] != "cluster")
      throw invalid_value("scopes[" + std::to_string(i) + "]", "must be job or cluster");
  return scopes;
}

std::int64_t read_expiry(json_reader& r, std::int64_t fallback) {
  std::string text;
  if (!r.read("expired_at", text)) return fallback;
  const auto ms = parse_rfc3339(text);
  if (!ms) throw invalid_value("expired_at", "an RFC 3339 time, e.g. 2027-01-01T00:00:00Z");
  return *ms;
}

}  // namespace

std::vector<std::int64_t> read_cluster_ids(const json* j) {
  std::vector<std::int64_t> ids;
  if (!j) return ids;
  if (!j->is_array()) throw api_error(400, "wrong_type", "scheduler_cluster_ids: must be an array of ids");
  if (j->size() > max_clusters_per_job) throw invalid_value("scheduler_cluster_ids", "too many");
  for (std::size_t i = 0; i < j->size(); ++i) {
    const auto& v = (*j)[i];
    if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
      throw invalid_value("scheduler_cluster_ids[" + std::to_string(i) + "]", "must be a positive id");
    if (std::find(ids.begin(), ids.end(), v.get<std::int64_t>()) == ids.end()) ids.push_back(v.get<std::int64_t>());
  }
  return ids;
}

const char* to_string(job_state s) {
  switch (s) {
    case job_state::pending: return "PENDING";
    case job_state::running: return "RUNNING";
    case job_state::success: return "SUCCESS";
    case job_state::failure: return "FAILURE";
    case job_state::canceled: return "CANCELED";
  }
  return "FAILURE";
}

std::optional<job_state> job_state_from(std::string_view s) {
  for (const auto st : {job_state::pending, job_state::running, job_state::success, job_state::failure,
                        job_state::canceled})
    if (s == to_string(st)) return st;
  return std::nullopt;
}

std::string format_rfc3339(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm) || tm.tm_year > 9999 - 1900) return "";  // "never"
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  const std::string t(text);
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 || consumed != 19)
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    rest.remove_prefix(1);
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 0) return std::nullopt;
    rest.remove_prefix(digits);
  }
  std::int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
      return std::nullopt;
    offset = (oh * 60 + om) * 60 * (rest[0] == '+' ? 1 : -1);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return (static_cast<std::int64_t>(::timegm(&tm)) - offset) * 1000;
}

job_record decode_job(const json& body, std::int64_t now) {
  json_reader r(body, "");
  job_record j;
  std::int64_t user_id = 0;
  r.read("type", j.type);
  r.read("bio", j.bio);
  r.read("cron", j.cron);
  r.read("user_id", user_id);  // Dragonfly's console sends it; there are no users here yet
  j.scheduler_cluster_ids = read_cluster_ids(r.object("scheduler_cluster_ids"));
  const auto* args = r.object("args");
  r.finish();
  if (j.type.empty()) throw invalid_value("type", "required: preheat, get_task or delete_task");
  if (!args) throw invalid_value("args", "required");
  json a;
  if (j.type == "preheat") a = decode_preheat(*args);
  else if (j.type == "get_task") a = decode_task_job(*args, false);
  else if (j.type == "delete_task") a = decode_task_job(*args, true);
  else throw invalid_value("type", "'" + j.type.substr(0, 64) + "' is not preheat, get_task or delete_task");
  j.args = a.dump();
  j.next_run_at = now;
  if (!j.cron.empty()) {
    std::string why;
    const auto schedule = parse_cron(j.cron, why);
    if (!schedule) throw invalid_value("cron", why);
    const auto next = schedule->next_after(now);
    if (!next) throw invalid_value("cron", "never comes due");
    j.next_run_at = *next;
  }
  return j;
}

json redact_args(json a) {
  if (!a.is_object()) return a;
  if (a.contains("password") && !a["password"].get_ref<const std::string&>().empty()) a["password"] = redacted;
  if (a.contains("headers") && a["headers"].is_object())
    for (auto& [name, value] : a["headers"].items())
      if (is_credential_header(name)) value = redacted;
  for (const char* key : {"url"})
    if (a.contains(key) && a[key].is_string()) a[key] = redact_url(a[key].get<std::string>());
  if (a.contains("urls") && a["urls"].is_array())
    for (auto& u : a["urls"]) u = redact_url(u.get<std::string>());
  return a;
}

std::int64_t job_timeout_ms(const json& args) {
  const auto ns = args.value("timeout", std::int64_t{0});
  return ns <= 0 ? default_job_timeout_ms : std::max<std::int64_t>(1, ns / 1000000);
}

json to_json(const job_record& j, bool dragonfly_states) {
  const char* state = to_string(j.state);
  if (dragonfly_states && j.state == job_state::running) state = "PENDING";
  if (dragonfly_states && j.state == job_state::canceled) state = "FAILURE";
  json result = json::parse(j.result, nullptr, false);
  if (result.is_discarded() || !result.is_object()) result = json::object();
  return {{"id", j.id},
          {"type", j.type},
          {"bio", j.bio},
          {"state", state},
          {"phase", to_string(j.state)},
          {"args", redact_args(json::parse(j.args, nullptr, false))},
          {"scheduler_cluster_ids", j.scheduler_cluster_ids},
          {"cron", j.cron},
          {"result", result},
          {"reason", j.reason},
          {"attempts", j.attempts},
          {"lease_owner", j.lease_owner},
          {"created_at", format_rfc3339(j.created_at)},
          {"updated_at", format_rfc3339(j.updated_at)},
          {"started_at", j.started_at ? format_rfc3339(j.started_at) : ""},
          {"finished_at", j.finished_at ? format_rfc3339(j.finished_at) : ""},
          {"next_run_at", j.cron.empty() ? "" : format_rfc3339(j.next_run_at)}};
}

personal_access_token decode_token(const json& body, std::int64_t now) {
  json_reader r(body, "");
  personal_access_token t;
  std::int64_t user_id = 0;
  r.read("name", t.name);
  r.read("bio", t.bio);
  r.read("scopes", t.scopes);
  r.read("user_id", user_id);
  t.expired_at = read_expiry(r, 0);
  r.finish();
  if (t.name.empty() || t.name.size() > 128) throw invalid_value("name", "required, at most 128 characters");
  t.scopes = checked_scopes(std::move(t.scopes));
  if (t.expired_at == 0) throw invalid_value("expired_at", "required (RFC 3339)");
  if (t.expired_at <= now) throw invalid_value("expired_at", "must be in the future");
  return t;
}

void apply_token_fields(const json& body, personal_access_token& t) {
  json_reader r(body, "");
  r.read("bio", t.bio);
  r.read("state", t.state);
  t.expired_at = read_expiry(r, t.expired_at);
  r.finish();
  if (t.state != "active" && t.state != "inactive") throw invalid_value("state", "must be active or inactive");
}

json to_json(const personal_access_token& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"bio", t.bio},
          {"scopes", t.scopes},
          {"state", t.state},
          {"user_id", t.user_id},
          {"expired_at", format_rfc3339(t.expired_at)},
          {"last_used_at", t.last_used_at ? format_rfc3339(t.last_used_at) : ""},
          {"created_at", format_rfc3339(t.created_at)},
          {"updated_at", format_rfc3339(t.updated_at)}};
}

}  // namespace df::manager
