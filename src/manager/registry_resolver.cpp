#include "manager/registry_resolver.hpp"

#include "core/url.hpp"
#include "net/http_client.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <strings.h>

namespace df::manager {

namespace {

using json = nlohmann::json;

constexpr const char* manifest_accept =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// A whole (bounded) response, or why there is none.
struct fetched {
  int status = 0;
  std::string www_authenticate;
  std::string body;
  std::string error;
};

net::awaitable<fetched> get(const std::string& url_text, const net::header_map& headers, std::chrono::milliseconds timeout) {
  fetched out;
  const auto u = parse_url(url_text);
  if (!u) {
    out.error = "not a URL: " + redact_url(url_text);
    co_return out;
  }
  net::tls_options tls;
  tls.enabled = u->scheme == "https";
  auto conn = co_await net::http_connection::connect(u->host, u->port, timeout, tls);
  if (!conn) {
    out.error = "cannot connect to " + u->host_header() + ": " + conn.error().message();
    co_return out;
  }
  const std::string method = "GET", host = u->host_header();
  auto head = co_await (*conn)->request(method, u->target, host, headers, timeout);
  if (!head) {
    out.error = "no answer from " + u->host_header() + ": " + head.error().message();
    co_return out;
  }
  out.status = head->status;
  out.www_authenticate = head->header("WWW-Authenticate");
  if (head->content_length && *head->content_length > max_manifest_bytes) {
    out.error = u->host_header() + " answered " + std::to_string(*head->content_length) + " bytes, more than " +
                std::to_string(max_manifest_bytes);
    co_return out;
  }
  std::array<std::byte, 16384> buf{};
  while (true) {
    auto n = co_await (*conn)->read_body(buf, timeout);
    if (!n) {
      out.error = "reading from " + u->host_header() + ": " + n.error().message();
      co_return out;
    }
    if (*n == 0) break;
    if (out.body.size() + *n > max_manifest_bytes) {
      out.error = u->host_header() + " answered more than " + std::to_string(max_manifest_bytes) + " bytes";
      co_return out;
    }
    out.body.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  co_return out;
}

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string query_escape(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') out += c;
    else out += {'%', hex[u >> 4], hex[u & 15]};
  }
  return out;
}

bool valid_digest(const std::string& d) {
  if (d.size() != 71 || d.compare(0, 7, "sha256:") != 0) return false;
  for (std::size_t i = 7; i < d.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(d[i]))) return false;
  return true;
}

// The resolution of one image, step by step; `error` set ends it.
class resolution {
 public:
  explicit resolution(const image_request& r) : req_(r) {}

  net::awaitable<resolved_image> run() {
    resolved_image out;
    const auto u = parse_url(req_.manifest_url);
    const auto at = u ? u->target.find("/manifests/") : std::string::npos;
    if (!u || u->target.compare(0, 4, "/v2/") != 0 || at == std::string::npos) {
      out.error = "not a manifest URL (http(s)://registry/v2/<name>/manifests/<reference>)";
      co_return out;
    }
    registry_ = u->host_header();
    base_ = u->scheme + "://" + registry_ + u->target.substr(0, at);  // …/v2/<name>
    for (const auto& [k, v] : req_.headers)
      if (::strcasecmp(k.c_str(), "Authorization") == 0) authorization_ = given_authorization_ = v;
    auto manifest = co_await fetch_manifest(req_.manifest_url, out.error);
    if (!out.error.empty()) co_return out;
    if (manifest.contains("manifests")) {  // an index: pick the platform's manifest
      const auto digest = pick_platform(manifest, out.error);
      if (!out.error.empty()) co_return out;
      const std::string by_digest = base_ + "/manifests/" + digest;
      manifest = co_await fetch_manifest(by_digest, out.error);
      if (!out.error.empty()) co_return out;
    }
    blobs(manifest, out);
    out.authorization = authorization_;
    co_return out;
  }

 private:
  net::header_map headers() const {
    net::header_map h;
    for (const auto& [k, v] : req_.headers) h[k] = v;
    h["Accept"] = manifest_accept;
    if (!authorization_.empty()) h["Authorization"] = authorization_;
    return h;
  }

  net::awaitable<json> fetch_manifest(const std::string& url, std::string& error) {
    auto sent = headers();
    auto r = co_await get(url, sent, req_.timeout);
    if (r.error.empty() && r.status == 401) {
      co_await authenticate(r.www_authenticate, error);
      if (!error.empty()) co_return json();
      sent = headers();
      r = co_await get(url, sent, req_.timeout);
    }
    if (!r.error.empty()) {
      error = "manifest from registry " + registry_ + ": " + r.error;
      co_return json();
    }
    if (r.status == 401) {
      error = "manifest 401 from registry " + registry_ + ": " +
              (req_.username.empty() && authorization_.empty()
                   ? "the registry needs credentials (args.username and args.password, or an Authorization header)"
                   : "the registry refused the credentials");
      co_return json();
    }
    if (r.status != 200) {
      error = "manifest " + std::to_string(r.status) + " from registry " + registry_;
      co_return json();
    }
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) error = "the manifest from registry " + registry_ + " is not JSON";
    co_return j;
  }

  // Answers a 401's challenge: Basic with the username, or a token from the Bearer realm.
  net::awaitable<void> authenticate(const std::string& challenge, std::string& error) {
    // Basic credentials: from username/password, else a Basic Authorization header the job
    // brought (Harbor's, say), which a token service takes as well.
    std::string basic = req_.username.empty() ? "" : "Basic " + base64(req_.username + ":" + req_.password);
    if (basic.empty() && ::strncasecmp(given_authorization_.c_str(), "Basic ", 6) == 0) basic = given_authorization_;
    const auto bearer = parse_bearer_challenge(challenge);
    if (bearer.empty()) {
      authorization_ = basic;  // Basic (or nothing to offer: the retry gets its 401 again)
      co_return;
    }
    const auto realm = bearer.find("realm");
    if (realm == bearer.end() || !parse_url(realm->second)) {
      error = "manifest 401 from registry " + registry_ + ": its Bearer challenge names no usable realm";
      co_return;
    }
    std::string url = realm->second + (realm->second.find('?') == std::string::npos ? "?" : "&");
    for (const char* key : {"service", "scope"})
      if (const auto it = bearer.find(key); it != bearer.end()) url += std::string(key) + "=" + query_escape(it->second) + "&";
    url.pop_back();
    net::header_map h;
    if (!basic.empty()) h["Authorization"] = basic;
    const auto r = co_await get(url, h, req_.timeout);
    const auto j = json::parse(r.body, nullptr, false);
    std::string token;
    if (r.error.empty() && r.status == 200 && j.is_object())
      token = j.value("token", j.value("access_token", std::string()));
    if (token.empty() || token.size() > 16384) {
      error = "manifest 401 from registry " + registry_ + ": its token service " + redact_url(realm->second) +
              (r.error.empty() ? " answered " + std::to_string(r.status) : ": " + r.error);
      co_return;
    }
    authorization_ = "Bearer " + token;
  }

  std::string pick_platform(const json& index, std::string& error) const {
    const std::string want = req_.platform.empty() ? "linux/amd64" : req_.platform;
    if (index["manifests"].is_array())
      for (const auto& m : index["manifests"]) {
        if (!m.is_object() || !m.contains("platform") || !m["platform"].is_object()) continue;
        const auto& p = m["platform"];
        std::string have = p.value("os", "") + "/" + p.value("architecture", "");
        const std::string variant = p.value("variant", "");
        if (have == want || (!variant.empty() && have + "/" + variant == want)) {
          const auto digest = m.value("digest", "");
          if (valid_digest(digest)) return digest;
        }
      }
    error = "the index from registry " + registry_ + " has no manifest for platform " + want;
    return {};
  }

  void blobs(const json& manifest, resolved_image& out) const {
    const auto add = [&](const json& descriptor) {
      const auto digest = descriptor.is_object() ? descriptor.value("digest", "") : std::string();
      if (!valid_digest(digest)) return false;
      out.blob_urls.push_back(base_ + "/blobs/" + digest);
      return true;
    };
    if (!manifest.contains("config") || !add(manifest["config"]) || !manifest.contains("layers") ||
        !manifest["layers"].is_array()) {
      out.error = "the manifest from registry " + registry_ + " has no config or layers";
      return;
    }
    for (const auto& layer : manifest["layers"])
      if (!add(layer)) {
        out.error = "the manifest from registry " + registry_ + " has a layer without a sha256 digest";
        return;
      }
  }

  const image_request& req_;
  std::string registry_;       // host[:port], for messages
  std::string base_;           // scheme://host/v2/<name>
  std::string authorization_;  // what the next request sends
  std::string given_authorization_;  // the job's own Authorization header, if any
};

}  // namespace

std::map<std::string, std::string> parse_bearer_challenge(const std::string& header) {
  std::map<std::string, std::string> out;
  if (header.size() < 7 || ::strncasecmp(header.c_str(), "Bearer ", 7) != 0) return out;
  std::size_t i = 7;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const auto eq = header.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = header.substr(i, eq - i);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      const auto close = header.find('"', i + 1);
      if (close == std::string::npos) break;
      value = header.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      const auto comma = header.find(',', i);
      value = header.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
      i = comma == std::string::npos ? header.size() : comma;
    }
    out[key] = value;
  }
  return out;
}

net::awaitable<resolved_image> resolve_image(const image_request& request) {
  resolution r(request);
  co_return co_await r.run();
}

}  // namespace df::manager
