#include "net/local_protocol.hpp"

#include "net/json_variant.hpp"

namespace df::net::local {

// Fields added later (`link`, `cache_path`) may be missing, so that older clients and daemons
// still understand each other; every other field is required.
void to_json(nlohmann::json& j, const download_request& r) {
  j = nlohmann::json{{"version", r.version},     {"url", r.url},
                     {"headers", r.headers},     {"tag", r.tag},
                     {"application", r.application}, {"filters", r.filters},
                     {"disable_back_to_source", r.disable_back_to_source}, {"pass_fd", r.pass_fd},
                     {"rate_limit", r.rate_limit}, {"link", r.link}};
}
void from_json(const nlohmann::json& j, download_request& r) {
  j.at("version").get_to(r.version);
  j.at("url").get_to(r.url);
  j.at("headers").get_to(r.headers);
  j.at("tag").get_to(r.tag);
  j.at("application").get_to(r.application);
  j.at("filters").get_to(r.filters);
  j.at("disable_back_to_source").get_to(r.disable_back_to_source);
  j.at("pass_fd").get_to(r.pass_fd);
  j.at("rate_limit").get_to(r.rate_limit);
  r.link = j.value("link", false);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_started, task_id, content_length)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(progress, from_peers, from_seed, from_origin, from_cache, delivered)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(notice, message)
void to_json(nlohmann::json& j, const download_done& d) {
  j = nlohmann::json{{"task_id", d.task_id}, {"content_length", d.content_length}, {"sources", d.sources},
                     {"back_to_source", d.back_to_source}, {"cache_path", d.cache_path}};
}
void from_json(const nlohmann::json& j, download_done& d) {
  j.at("task_id").get_to(d.task_id);
  j.at("content_length").get_to(d.content_length);
  j.at("sources").get_to(d.sources);
  j.at("back_to_source").get_to(d.back_to_source);
  d.cache_path = j.value("cache_path", std::string{});
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_error, error_type, message, origin_status)

namespace {

constexpr std::string_view local_message_names[] = {"download_request", "download_started", "progress",
                                      "notice",           "download_done",    "download_error"};
static_assert(std::size(local_message_names) == std::variant_size_v<message>);

}  // namespace

std::string encode(const message& m) { return encode_typed_json(local_message_names, m); }

result<message> decode(std::string_view json) {
  auto m = decode_typed_json<message>(local_message_names, json);
  if (m) {
    if (const auto* r = std::get_if<download_request>(&*m); r && r->version != 1) return errc::unsupported_version;
  }
  return m;
}

}  // namespace df::net::local
