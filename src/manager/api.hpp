#pragma once
// The manager's REST API under /api/v1 as a pure function of a request and the store: no sockets,
// testable on its own. server.cpp puts it behind HTTP, the token check and the body limit.

#include "manager/job_rate_limit.hpp"
#include "manager/registry_webhook.hpp"
#include "manager/store.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace df::manager {

/// One API request as the router needs it.
struct api_request {
  std::string method;
  std::string path;   // "/api/v1/scheduler-clusters/3"
  std::string query;  // "page=2&per_page=10", without '?'
  std::string body;
  /// The scheduler cluster the caller's certificate was issued for on enrollment (0: none, or not a
  /// certificate): registrations and announcements are held to it (cluster_binding.hpp).
  std::int64_t certificate_cluster = 0;
  /// The signed-in console user making the call (0: a token or a certificate), and whether they
  /// are limited to their own personal access tokens (not a super admin).
  std::int64_t user_id = 0;
  bool own_tokens_only = false;
};

/// One API answer: JSON body, status, extra headers (X-Total-Count on lists).
struct api_response {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_code;  // the api_error code when status >= 400 ("" otherwise)
};

/// What the handlers share: the store, the clock, the keepalive rule.
struct api_context {
  store& db;
  std::function<std::int64_t()> now_ms;     // milliseconds since the epoch
  std::chrono::milliseconds keepalive_interval;
  std::uint32_t keepalive_misses;
  job_rate_limit job_rate{};  // jobs created per cluster and second (429 beyond)
  std::vector<webhook_rule> webhook_rules;  // which pushed images are preheated (webhooks.rules)
  std::string harbor_scheme = "https";      // how Harbor's registry is reached (webhooks.harbor_scheme)

  /// Components whose last keepalive is at or after this are active.
  std::int64_t alive_since() const {
    return now_ms() - keepalive_interval.count() * static_cast<std::int64_t>(keepalive_misses);
  }
};

/// POST /api/v1/webhooks/registry: a registry's push notification (authenticated by a personal
/// access token with scope `job`) becomes a preheat job per pushed image a rule matches.
api_response handle_registry_webhook(api_context& ctx, const api_request& req, std::string_view authorization);

/// Routes and answers one request; never throws (bad input → 4xx, store trouble → 503).
api_response handle_api(api_context& ctx, const api_request& req);

/// The Open API under /oapi/v1 (jobs, clusters) for Dragonfly's clients such as Harbor:
/// authenticated by a personal access token in `authorization` (docs/preheat.md).
api_response handle_oapi(api_context& ctx, const api_request& req, std::string_view authorization);

}  // namespace df::manager
