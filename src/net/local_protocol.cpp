#include "net/local_protocol.hpp"

#include "net/json_variant.hpp"

namespace df::net::local {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_request, version, url, headers, tag, application, filters,
                                   disable_back_to_source, pass_fd, rate_limit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_started, task_id, content_length)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(progress, from_peers, from_seed, from_origin, from_cache, delivered)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(notice, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_done, task_id, content_length, sources, back_to_source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(download_error, error_type, message, origin_status)

namespace {

constexpr std::string_view names[] = {"download_request", "download_started", "progress",
                                      "notice",           "download_done",    "download_error"};
static_assert(std::size(names) == std::variant_size_v<message>);

}  // namespace

std::string encode(const message& m) { return encode_typed_json(names, m); }

result<message> decode(std::string_view json) {
  auto m = decode_typed_json<message>(names, json);
  if (m) {
    if (const auto* r = std::get_if<download_request>(&*m); r && r->version != 1) return errc::unsupported_version;
  }
  return m;
}

}  // namespace df::net::local
