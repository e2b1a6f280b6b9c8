#pragma once
// dfmanager's configuration: every setting with its default in one place (configs/dfmanager.yaml
// documents them).

#include "manager/registry_webhook.hpp"
#include "core/security_settings.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace df::manager {

/// Everything dfmanager can be told; loaded from YAML, overridden by flags, validated at start-up.
struct config {
  std::string listen = "0.0.0.0";
  std::uint16_t port = 8080;                 // REST API, /healthy, /metrics
  std::uint64_t max_body = 1024 * 1024;      // request bodies past this are answered 413
  std::uint32_t max_connections = 1000;
  std::string data_dir = "/var/lib/dragonfly/manager";  // SQLite, generated tokens, the CA's CRL files
  /// Where the model is kept (docs/manager.md): "sqlite" (embedded) or "postgres" (replicas).
  struct database_config {
    std::string type = "sqlite";
    std::string sqlite_path;  // default <data_dir>/manager.db
    std::chrono::milliseconds sqlite_busy_timeout{5000};
    std::string pg_host = "127.0.0.1";  // a host name, an address, or a unix socket directory
    std::uint16_t pg_port = 5432;
    std::string pg_user = "dragonfly";
    std::string pg_password;  // never printed or logged
    std::string pg_dbname = "dragonfly";
    std::string pg_sslmode = "prefer";
    std::chrono::milliseconds pg_connect_timeout{5000};
    std::chrono::milliseconds pg_statement_timeout{10000};
  } database;
  /// Schedulers and seed peers send a keepalive every `interval`; after `misses` missed ones
  /// they are inactive (not handed to hosts).
  struct keepalive_config {
    std::chrono::milliseconds interval{5000};
    std::uint32_t misses = 3;
  } keepalive;
  /// The API's admin token (Authorization: Bearer …); empty = read or create
  /// <data_dir>/admin_token (mode 0600) at start. Never printed or logged.
  std::string admin_token;
  /// Grants the component endpoints only (hosts, schedulers and seed peers registering and
  /// keeping alive) in security.mode off and tls; empty = read or create
  /// <data_dir>/component_token (mode 0600). Not used in mtls, where components present their
  /// certificates. Never printed or logged.
  std::string component_token;
  /// The API's TLS (docs/security.md): off = plain HTTP; tls = HTTPS with a `manager`
  /// certificate; mtls = also asks clients for a certificate of the CA (optional at the TLS
  /// layer: the admin token needs none) whose role grants the component endpoints.
  security_settings security;
  /// The manager as the cluster CA (docs/manager.md, "Enrollment"): with a CA, a component that
  /// presents one of `tokens` gets its certificate request signed for the token's role.
  struct enrollment_config {
    std::string ca_cert;  // PEM: the cluster CA (scripts/certs.sh ca); empty = no enrollment
    std::string ca_key;   // PEM, unencrypted, readable by the manager only
    std::chrono::milliseconds validity{720LL * 3600 * 1000};  // of the certificates it signs
    /// Bootstrap tokens and the role each grants ("peer", "seed-peer", "scheduler"), bound to no
    /// cluster (tokens bound to one are made through /api/v1/enrollment-tokens). Never printed
    /// or logged.
    std::vector<std::pair<std::string, std::string>> tokens;
  } enrollment;
  /// The job engine (docs/preheat.md): each replica claims runnable jobs every `poll_interval`,
  /// runs at most `max_running` at once, and holds each with a lease of `lease` that it renews;
  /// a job whose lease expired is taken over, at most `max_attempts` claims in all. At most
  /// `rate_limit` jobs are created per cluster and second (429 beyond).
  struct jobs_config {
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds poll_interval{1000};
    std::uint32_t max_running = 4;
    std::uint32_t max_attempts = 3;
    std::uint32_t rate_limit = 10;
    // A file holding the schedulers' jobs token (their jobs.token_file), sent with every job in
    // security.mode off / tls; in mtls the manager's certificate is the credential.
    std::string scheduler_token_file;
  } jobs;
  /// Automatic preheat on push (POST /api/v1/webhooks/registry, docs/preheat.md).
  struct webhooks_config {
    std::vector<webhook_rule> rules;     // none: notifications are accepted and nothing is preheated
    std::string harbor_scheme = "https";  // Harbor's resource_url has no scheme
  } webhooks;
  /// The web console's sign-in (docs/console.md): a session lasts `session_ttl` at most and ends
  /// after `idle_timeout` without a request; `signin_max_failures` failed sign-ins for a name or
  /// an address within `signin_window` refuse further tries (429) until the window has passed.
  /// `dir` holds the built console's files, served at `/` ("" = no console).
  struct console_config {
    std::string dir = "/usr/share/dragonfly/console";
    std::chrono::milliseconds session_ttl{12LL * 3600 * 1000};
    std::chrono::milliseconds idle_timeout{3600LL * 1000};
    std::uint32_t signin_max_failures = 5;
    std::chrono::milliseconds signin_window{5LL * 60 * 1000};
  } console;
  /// The audit log (docs/console.md, "Audit"): rows older than `retention` are deleted hourly.
  struct audit_config {
    std::chrono::milliseconds retention{90LL * 24 * 3600 * 1000};
  } audit;
  /// Download analytics (docs/manager.md, "Analytics"): download records older than `retention`
  /// are deleted hourly, and the oldest past `max_rows`.
  struct analytics_config {
    std::chrono::milliseconds retention{30LL * 24 * 3600 * 1000};
    std::uint64_t max_rows = 1000000;
  } analytics;
  std::string log_level = "info";

  /// Reads a YAML file over the defaults; throws config_error with the offending key.
  static config load(const std::string& path);
  /// The same from YAML text (tests).
  static config parse(const std::string& yaml_text);
  /// Throws config_error when a value is out of range.
  void validate() const;
  /// The settings in effect, as YAML (--print-config); secrets shown as "<redacted>".
  std::string to_yaml() const;
  /// The SQLite file: database.sqlite.path, or <data_dir>/manager.db.
  std::string sqlite_file() const;
  /// The libpq connection string (holds the password: pass it on, never log it).
  std::string postgres_conninfo() const;
};

}  // namespace df::manager
