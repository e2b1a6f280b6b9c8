#pragma once
// Automatic preheat on push: the registry's notifications (Distribution's event envelope, as
// Debian's docker-registry sends it, and Harbor's PUSH_ARTIFACT webhook) turned into the images
// that were pushed, and the operator's rules that decide which of them are preheated where.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace df::manager {

/// One image a registry says was pushed: its manifest URL, repository and tag (empty when pushed
/// by digest only).
struct pushed_image {
  std::string manifest_url;  // https://registry.example/v2/library/nginx/manifests/1.25
  std::string repository;    // library/nginx
  std::string tag;           // 1.25
};

/// Which pushed images to preheat and how (webhooks.rules in dfmanager.yaml): the first rule
/// whose repository glob and one of whose tag globs match a pushed image makes one preheat job.
struct webhook_rule {
  std::string repository = "*";              // glob over the repository path ("library/*")
  std::vector<std::string> tags{"*"};        // globs over the tag; an image pushed without a tag never matches
  std::vector<std::int64_t> scheduler_cluster_ids;  // empty: every cluster
  std::string scope = "all_seed_peers";      // single_seed_peer, all_seed_peers, all_peers
  std::string username, password;            // the registry's credentials for resolving the manifest
};

/// The images a notification names. Distribution's envelope ({"events": [...]}): every `push`
/// of a manifest (by media type) with its target URL; blob pushes and pulls are skipped. Harbor's
/// ({"type": "PUSH_ARTIFACT", "event_data": {...}}): every resource, its manifest URL made from
/// `resource_url` ("host/repo:tag") with `harbor_scheme`. Throws api_error 400 naming the field
/// for anything else (not an object, an unknown shape, a missing or ill-typed field, a URL that is
/// not http(s)).
std::vector<pushed_image> parse_registry_notification(const nlohmann::json& body, const std::string& harbor_scheme);

/// The first rule that matches `image`, or nullptr.
const webhook_rule* matching_rule(const std::vector<webhook_rule>& rules, const pushed_image& image);

}  // namespace df::manager
