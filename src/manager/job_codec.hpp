#pragma once
// Jobs and personal access tokens to and from JSON: strict validation of what a client asks for
// (docs/preheat.md), and answers with every credential redacted.

#include "manager/model.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace df::manager {

/// "PENDING", "RUNNING", "SUCCESS", "FAILURE", "CANCELED".
const char* to_string(job_state s);
std::optional<job_state> job_state_from(std::string_view s);

/// "2026-12-02T05:40:35Z" (UTC, whole seconds), as Go's time.Time reads it; "" past year 9999.
std::string format_rfc3339(std::int64_t ms);
/// An RFC 3339 time ("…Z" or "…+08:00", optional fractions) → ms since the epoch.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

/// Longest time a job may run (its `timeout`), and the default.
inline constexpr std::int64_t max_job_timeout_ms = 24LL * 3600 * 1000;
inline constexpr std::int64_t default_job_timeout_ms = 30LL * 60 * 1000;

/// A create-job body ({"type", "args", "scheduler_cluster_ids", "bio", "cron", "user_id"}) →
/// a PENDING job with normalized args (defaults filled in), due at `now` or at its cron's next
/// time. Anything wrong → api_error naming the field; nothing is stored by this.
job_record decode_job(const nlohmann::json& body, std::int64_t now);

/// "scheduler_cluster_ids" (absent: none): positive ids, duplicates dropped, at most 100;
/// api_error naming the field otherwise.
std::vector<std::int64_t> read_cluster_ids(const nlohmann::json* j);

/// A job as answered. dragonfly_states: `state` in the words Dragonfly's clients (Harbor) know
/// — RUNNING is "PENDING", CANCELED is "FAILURE" — and the exact state in `phase`. Passwords,
/// credential headers and URL user-info in args are "<redacted>".
nlohmann::json to_json(const job_record& j, bool dragonfly_states);

/// The args without credentials (what may be answered or logged).
nlohmann::json redact_args(nlohmann::json args);

/// The preheat timeout in milliseconds from stored args (0 → the default).
std::int64_t job_timeout_ms(const nlohmann::json& args);

/// A create-token body ({"name", "bio", "scopes", "expired_at"}) → a token row (without hash).
personal_access_token decode_token(const nlohmann::json& body, std::int64_t now);
/// A PATCH body ({"bio", "state", "expired_at"}) applied to `t`.
void apply_token_fields(const nlohmann::json& body, personal_access_token& t);
/// A token as answered: never its hash; the token itself only at creation (added by the caller).
nlohmann::json to_json(const personal_access_token& t);

}  // namespace df::manager
