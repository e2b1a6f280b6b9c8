#include "core/ids.hpp"

#include "core/digest.hpp"
#include "core/url.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <random>

namespace df {

std::string compute_task_id(const task_id_inputs& in) {
  sha256_hasher h;
  h.update(filter_query(in.url, in.filters));
  // Length-prefixed fields, so ("a", "bc") and ("ab", "c") never collide.
  h.update(fmt::format("\ntag:{}:{}\napplication:{}:{}", in.tag.size(), in.tag, in.application.size(),
                       in.application));
  return h.final_hex();
}

std::string content_task_id(std::string_view digest) {
  sha256_hasher h;
  h.update(fmt::format("content:{}", digest));
  return h.final_hex();
}

std::string registry_blob_digest(std::string_view url) {
  const auto parsed = parse_url(std::string(url));
  if (!parsed || url.find('?') != std::string_view::npos) return {};
  constexpr std::string_view marker = "/blobs/sha256:";
  const auto at = url.rfind(marker);
  const auto v2 = url.find("/v2/");
  if (at == std::string_view::npos || v2 == std::string_view::npos || v2 + 4 >= at) return {};
  const auto hex = url.substr(at + marker.size());
  if (!is_valid_task_id(hex)) return {};  // 64 lower-case hex, as a task ID
  return std::string(url.substr(at + 7));  // "sha256:<hex>"
}

std::string job_task_id(const task_id_inputs& in) {
  if (in.tag.empty() && in.application.empty() && in.filters.empty())
    if (const auto digest = registry_blob_digest(in.url); !digest.empty()) return content_task_id(digest);
  return compute_task_id(in);
}

bool is_valid_task_id(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string new_peer_id(std::string_view hostname) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}-{}-{:016x}", hostname, ::getpid(), rng());
}

std::string make_host_id(std::string_view hostname, unsigned upload_port) {
  return fmt::format("{}-{}", hostname, upload_port);
}

}  // namespace df
