#include "manager/api.hpp"

#include "manager/api_handlers.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace df::manager {

namespace {

constexpr std::string_view prefix = "/api/v1/";

std::optional<std::uint32_t> parse_uint(std::string_view s) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

api_response route(api_context& ctx, const api_request& req) {
  if (req.path.compare(0, prefix.size(), prefix) != 0) throw api_error(404, "not_found", "no such resource");
  const routed_request r{req, split_path(std::string_view(req.path).substr(prefix.size()))};
  if (r.segments.empty()) throw api_error(404, "not_found", "no such resource");
  const auto resource = r.segments[0];
  if (resource == "scheduler-clusters") return handle_scheduler_clusters(ctx, r);
  if (resource == "seed-peer-clusters") return handle_seed_peer_clusters(ctx, r);
  if (resource == "schedulers" && r.segments.size() == 3 && r.segments[2] == "downloads")
    return handle_scheduler_downloads(ctx, r);
  if (resource == "schedulers") return handle_schedulers(ctx, r);
  if (resource == "seed-peers") return handle_seed_peers(ctx, r);
  if (resource == "hosts") return handle_hosts(ctx, r);
  if (resource == "personal-access-tokens") return handle_personal_access_tokens(ctx, r);
  if (resource == "enrollment-tokens") return handle_enrollment_tokens(ctx, r);
  if (resource == "jobs") return handle_jobs(ctx, r, false);
  if (resource == "users") return handle_users(ctx, r);
  if (resource == "roles") return handle_roles(ctx, r);
  if (resource == "permissions") return handle_permissions(ctx, r);
  if (resource == "audits" || resource == "audits.csv") return handle_audits(ctx, r);
  if (resource == "analytics") return handle_analytics(ctx, r);
  throw api_error(404, "not_found", "no such resource");
}

}  // namespace

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

api_response json_response(int status, const json& body) {
  api_response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

std::int64_t path_id(std::string_view segment) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), id);
  if (segment.empty() || ec != std::errc{} || end != segment.data() + segment.size() || id <= 0)
    throw api_error(404, "not_found", "no such resource");
  return id;
}

page_request parse_page(std::string_view query) {
  page_request p;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = pair.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "page") {
      const auto v = parse_uint(value);
      if (!v || *v == 0 || *v > 1000000) throw invalid_value("page", "must be 1 to 1000000");
      p.page = *v;
    } else if (key == "per_page") {
      const auto v = parse_uint(value);
      if (!v || *v == 0 || *v > max_per_page)
        throw invalid_value("per_page", "must be 1 to " + std::to_string(max_per_page));
      p.per_page = *v;
    }
  }
  return p;
}

std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    const auto raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size()) {
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(raw.data() + i + 1, raw.data() + i + 3, v, 16);
        if (ec != std::errc{} || end != raw.data() + i + 3) throw invalid_value(std::string(key), "bad percent-encoding");
        out += static_cast<char>(v);
        i += 2;
      } else if (raw[i] == '%') {
        throw invalid_value(std::string(key), "bad percent-encoding");
      } else {
        out += raw[i];
      }
    }
    if (out.size() > 1024) throw invalid_value(std::string(key), "longer than 1024");
    return out;
  }
  return std::nullopt;
}

void method_not_allowed(std::string_view allowed) {
  throw api_error(405, "method_not_allowed", "allowed: " + std::string(allowed));
}

api_response handle_api(api_context& ctx, const api_request& req) {
  return answer_errors(req, [&] { return route(ctx, req); });
}

api_response answer_errors(const api_request& req, const std::function<api_response()>& handle) {
  try {
    return handle();
  } catch (const api_error& e) {
    auto r = json_response(e.status, {{"code", e.code}, {"message", e.what()}});
    r.error_code = e.code;
    return r;
  } catch (const std::exception& e) {
    // A bug, not bad input: say so once and answer 500 rather than end the process.
    spdlog::error("manager api: {} {}: {}", req.method, req.path, e.what());
    auto r = json_response(500, {{"code", "internal"}, {"message", "internal error"}});
    r.error_code = "internal";
    return r;
  }
}

}  // namespace df::manager
