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
