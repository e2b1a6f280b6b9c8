#include "manager/registry_webhook.hpp"

#include "manager/api_error.hpp"
#include "manager/scope_match.hpp"

#include <nlohmann/json.hpp>

#include <array>

namespace df::manager {

namespace {

using nlohmann::json;

constexpr std::size_t max_events = 1000;  // docker-registry sends at most a few per envelope

// Manifest media types (Docker schema 2, OCI; lists and indexes too: the job picks the platform).
constexpr std::array<std::string_view, 4> manifest_types{
    "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"};

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw invalid_value(field, why);
}

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) bad(where, "must be an object");
  const auto it = object.find(key);
  if (it == object.end()) bad(where + "." + key, "missing");
  return *it;
}

std::string string_member(const json& object, const char* key, const std::string& where, bool required = true) {
  if (!object.is_object()) bad(where, "must be an object");
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required) bad(where + "." + key, "missing");
    return {};
  }
  if (!it->is_string()) bad(where + "." + key, "must be a string");
  return it->get<std::string>();
}

bool is_http_url(const std::string& url) { return url.starts_with("http://") || url.starts_with("https://"); }

std::vector<pushed_image> from_distribution(const json& events) {
  if (!events.is_array()) bad("events", "must be an array");
  if (events.size() > max_events) bad("events", "more than " + std::to_string(max_events));
  std::vector<pushed_image> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto where = "events[" + std::to_string(i) + "]";
    const auto& e = events[i];
    if (string_member(e, "action", where) != "push") continue;
    const auto& target = member(e, "target", where);
    const auto media_type = string_member(target, "mediaType", where + ".target", false);
    bool manifest = false;
    for (const auto t : manifest_types) manifest = manifest || media_type == t;
    if (!manifest) continue;  // a layer or config blob: its manifest's event follows
    pushed_image image;
    image.repository = string_member(target, "repository", where + ".target");
    image.tag = string_member(target, "tag", where + ".target", false);
    image.manifest_url = string_member(target, "url", where + ".target");
    if (!is_http_url(image.manifest_url)) bad(where + ".target.url", "must be an http(s) URL");
    if (image.repository.empty()) bad(where + ".target.repository", "empty");
    out.push_back(std::move(image));
  }
  return out;
}

std::vector<pushed_image> from_harbor(const json& body, const std::string& scheme) {
  const auto type = string_member(body, "type", "");
  if (type != "PUSH_ARTIFACT") return {};  // Harbor sends other events to the same address
  const auto& data = member(body, "event_data", "");
  const auto& resources = member(data, "resources", "event_data");
  if (!resources.is_array()) bad("event_data.resources", "must be an array");
  if (resources.size() > max_events) bad("event_data.resources", "more than " + std::to_string(max_events));
  std::vector<pushed_image> out;
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const auto where = "event_data.resources[" + std::to_string(i) + "]";
    const auto resource_url = string_member(resources[i], "resource_url", where);
    // "harbor.example/library/nginx:1.25" or "…/nginx@sha256:…"
    const auto slash = resource_url.find('/');
    if (slash == std::string::npos || slash == 0) bad(where + ".resource_url", "must be host/repository:tag");
    const auto host = resource_url.substr(0, slash);
    auto rest = resource_url.substr(slash + 1);
    std::string reference;
    if (const auto at = rest.find('@'); at != std::string::npos) {
      reference = rest.substr(at + 1);
      rest.resize(at);
    } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
      reference = rest.substr(colon + 1);
      rest.resize(colon);
    }
    pushed_image image;
    image.repository = rest;
    image.tag = string_member(resources[i], "tag", where, false);
    if (reference.empty()) reference = image.tag;
    if (image.repository.empty() || reference.empty()) bad(where + ".resource_url", "must be host/repository:tag");
    image.manifest_url = scheme + "://" + host + "/v2/" + image.repository + "/manifests/" + reference;
    out.push_back(std::move(image));
  }
  return out;
}

}  // namespace

std::vector<pushed_image> parse_registry_notification(const json& body, const std::string& harbor_scheme) {
  if (!body.is_object()) bad("body", "must be a JSON object");
  if (body.contains("events")) return from_distribution(body["events"]);
  if (body.contains("event_data") || body.contains("type")) return from_harbor(body, harbor_scheme);
  bad("body", "neither a registry event envelope ({\"events\": [...]}) nor a Harbor webhook ({\"type\", \"event_data\"})");
}

const webhook_rule* matching_rule(const std::vector<webhook_rule>& rules, const pushed_image& image) {
  if (image.tag.empty()) return nullptr;
  for (const auto& rule : rules) {
    if (!glob_match(rule.repository, image.repository)) continue;
    for (const auto& tag : rule.tags)
      if (glob_match(tag, image.tag)) return &rule;
  }
  return nullptr;
}

}  // namespace df::manager
