#include "manager/config.hpp"

#include "core/yaml_config.hpp"

namespace df::manager {

namespace {

// node[key] when node is a mapping, else an undefined node (reading from which does nothing).
YAML::Node child(const YAML::Node& node, const char* key) {
  return node && node.IsMap() ? node[key] : YAML::Node(YAML::NodeType::Undefined);
}

void read_webhooks(const YAML::Node& node, config::webhooks_config& w) {
  check_keys(node, "webhooks", {"rules", "harbor_scheme"});
  read_value(node, "harbor_scheme", w.harbor_scheme);
  if (w.harbor_scheme != "http" && w.harbor_scheme != "https")
    throw config_error("webhooks.harbor_scheme must be http or https");
  const auto rules = child(node, "rules");
  if (rules && !rules.IsSequence()) throw config_error("webhooks.rules must be a list");
  if (!rules) return;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto where = "webhooks.rules[" + std::to_string(i) + "]";
    const auto& n = rules[i];
    check_keys(n, where, {"repository", "tags", "scheduler_cluster_ids", "scope", "username", "password"});
    webhook_rule r;
    read_value(n, "repository", r.repository);
    read_value(n, "tags", r.tags);
    read_value(n, "scheduler_cluster_ids", r.scheduler_cluster_ids);
    read_value(n, "scope", r.scope);
    read_value(n, "username", r.username);
    read_value(n, "password", r.password);
    if (r.repository.empty() || r.tags.empty()) throw config_error(where + ": repository and tags must not be empty");
    if (r.scope != "single_seed_peer" && r.scope != "all_seed_peers" && r.scope != "all_peers")
      throw config_error(where + ".scope must be single_seed_peer, all_seed_peers or all_peers");
    w.rules.push_back(std::move(r));
  }
}

config from_yaml(const YAML::Node& root) {
  config c;
  check_keys(root, "", {"server", "data_dir", "database", "keepalive", "auth", "enrollment", "security", "jobs",
                         "webhooks", "console", "audit", "analytics", "log_level"});
  if (!root || root.IsNull()) return c;
  check_keys(root["server"], "server", {"listen", "port", "max_body", "max_connections"});
  check_keys(root["database"], "database", {"type", "sqlite", "postgres"});
  const auto sqlite = child(root["database"], "sqlite");
  const auto pg = child(root["database"], "postgres");
  check_keys(sqlite, "database.sqlite", {"path", "busy_timeout"});
  check_keys(pg, "database.postgres",
             {"host", "port", "user", "password", "dbname", "sslmode", "connect_timeout", "statement_timeout"});
  check_keys(root["keepalive"], "keepalive", {"interval", "misses"});
  check_keys(root["auth"], "auth", {"admin_token", "component_token"});
  check_keys(root["security"], "security", {"mode", "ca_file", "cert_file", "key_file", "crl_file"});
  c.security.read(root["security"]);
  read_value(root["server"], "listen", c.listen);
  read_value(root["server"], "port", c.port);
  read_size(root["server"], "max_body", c.max_body);
  read_value(root["server"], "max_connections", c.max_connections);
  read_value(root, "data_dir", c.data_dir);
  auto& d = c.database;
  read_value(root["database"], "type", d.type);
  read_value(sqlite, "path", d.sqlite_path);
  read_duration(sqlite, "busy_timeout", d.sqlite_busy_timeout);
  read_value(pg, "host", d.pg_host);
  read_value(pg, "port", d.pg_port);
  read_value(pg, "user", d.pg_user);
  read_value(pg, "password", d.pg_password);
  read_value(pg, "dbname", d.pg_dbname);
  read_value(pg, "sslmode", d.pg_sslmode);
  read_duration(pg, "connect_timeout", d.pg_connect_timeout);
  read_duration(pg, "statement_timeout", d.pg_statement_timeout);
  read_duration(root["keepalive"], "interval", c.keepalive.interval);
  read_value(root["keepalive"], "misses", c.keepalive.misses);
  read_value(root["auth"], "admin_token", c.admin_token);
  read_value(root["auth"], "component_token", c.component_token);
  const auto enrollment = root["enrollment"];
  check_keys(enrollment, "enrollment", {"ca_cert", "ca_key", "validity", "tokens"});
  read_value(enrollment, "ca_cert", c.enrollment.ca_cert);
  read_value(enrollment, "ca_key", c.enrollment.ca_key);
  read_duration(enrollment, "validity", c.enrollment.validity);
  const auto tokens = child(enrollment, "tokens");
  if (tokens && !tokens.IsSequence()) throw config_error("enrollment.tokens must be a list of {token, role}");
  if (tokens)
    for (const auto& t : tokens) {
      check_keys(t, "enrollment.tokens[]", {"token", "role"});
      std::string token, role;
      read_value(t, "token", token);
      read_value(t, "role", role);
      c.enrollment.tokens.emplace_back(token, role);
    }
  read_webhooks(child(root, "webhooks"), c.webhooks);
  check_keys(root["jobs"], "jobs",
             {"lease", "poll_interval", "max_running", "max_attempts", "rate_limit", "scheduler_token_file"});
  read_value(root["jobs"], "scheduler_token_file", c.jobs.scheduler_token_file);
  read_duration(root["jobs"], "lease", c.jobs.lease);
  read_duration(root["jobs"], "poll_interval", c.jobs.poll_interval);
  read_value(root["jobs"], "max_running", c.jobs.max_running);
  read_value(root["jobs"], "max_attempts", c.jobs.max_attempts);
  read_value(root["jobs"], "rate_limit", c.jobs.rate_limit);
  check_keys(root["console"], "console",
             {"dir", "session_ttl", "idle_timeout", "signin_max_failures", "signin_window"});
  read_value(root["console"], "dir", c.console.dir);
  read_duration(root["console"], "session_ttl", c.console.session_ttl);
  read_duration(root["console"], "idle_timeout", c.console.idle_timeout);
  read_value(root["console"], "signin_max_failures", c.console.signin_max_failures);
  read_duration(root["console"], "signin_window", c.console.signin_window);
  check_keys(root["audit"], "audit", {"retention"});
  read_duration(root["audit"], "retention", c.audit.retention);
  check_keys(root["analytics"], "analytics", {"retention", "max_rows"});
  read_duration(root["analytics"], "retention", c.analytics.retention);
  read_value(root["analytics"], "max_rows", c.analytics.max_rows);
  read_value(root, "log_level", c.log_level);
  return c;
}

// A libpq conninfo value, single-quoted with \ and ' escaped.
std::string quoted(const std::string& v) {
  std::string out = "'";
  for (const char ch : v) {
    if (ch == '\\' || ch == '\'') out += '\\';
    out += ch;
  }
  return out + "'";
}

}  // namespace

config config::load(const std::string& path) { return from_yaml(load_yaml_file(path)); }

config config::parse(const std::string& yaml_text) { return from_yaml(parse_yaml_text(yaml_text)); }

void config::validate() const {
  if (database.type != "sqlite" && database.type != "postgres")
    throw config_error("database.type must be sqlite or postgres, not '" + database.type + "'");
  if (data_dir.empty()) throw config_error("data_dir must not be empty");
  if (max_body < 1024 || max_body > 64 * 1024 * 1024) throw config_error("server.max_body must be 1KiB to 64MiB");
  if (max_connections == 0) throw config_error("server.max_connections must be at least 1");
  if (keepalive.interval < std::chrono::milliseconds(100) || keepalive.interval > std::chrono::hours(1))
    throw config_error("keepalive.interval must be 100ms to 1h");
  if (keepalive.misses == 0 || keepalive.misses > 100) throw config_error("keepalive.misses must be 1 to 100");
  if (!admin_token.empty() && admin_token.size() < 16)
    throw config_error("auth.admin_token must have at least 16 characters (or be empty to generate one)");
  if (!component_token.empty() && component_token.size() < 16)
    throw config_error("auth.component_token must have at least 16 characters (or be empty to generate one)");
  if (!component_token.empty() && component_token == admin_token)
    throw config_error("auth.component_token must differ from auth.admin_token");
  if (!component_token.empty() && security.mode == security_mode::mtls)
    throw config_error("auth.component_token is for security.mode off and tls; with mtls components present "
                       "their certificates");
  security.validate("dfmanager");
  const auto& e = enrollment;
  if (e.ca_cert.empty() != e.ca_key.empty()) throw config_error("enrollment.ca_cert and enrollment.ca_key go together");
  if (!e.tokens.empty() && e.ca_cert.empty()) throw config_error("enrollment.tokens need enrollment.ca_cert and ca_key");
  if (e.validity < std::chrono::minutes(10)) throw config_error("enrollment.validity must be at least 10m");
  for (const auto& [token, role] : e.tokens) {
    if (token.size() < 16) throw config_error("an enrollment token must have at least 16 characters");
    if (role != "peer" && role != "seed-peer" && role != "scheduler")
      throw config_error("enrollment token role '" + role + "' is not one of peer, seed-peer, scheduler");
  }
  if (jobs.lease < std::chrono::seconds(1) || jobs.poll_interval < std::chrono::milliseconds(10) ||
      jobs.poll_interval > jobs.lease)
    throw config_error("jobs.lease must be at least 1s and jobs.poll_interval 10ms to the lease");
  if (jobs.max_running == 0 || jobs.max_attempts == 0 || jobs.rate_limit == 0)
    throw config_error("jobs.max_running, jobs.max_attempts and jobs.rate_limit must be at least 1");
  if (console.session_ttl < std::chrono::minutes(1) || console.idle_timeout < std::chrono::minutes(1) ||
      console.idle_timeout > console.session_ttl)
    throw config_error("console.session_ttl and console.idle_timeout must be at least 1m, the idle timeout at most "
                       "the session's");
  if (console.signin_max_failures == 0 || console.signin_window < std::chrono::seconds(1))
    throw config_error("console.signin_max_failures must be at least 1 and console.signin_window at least 1s");
  if (audit.retention < std::chrono::hours(1)) throw config_error("audit.retention must be at least 1h");
  if (analytics.retention < std::chrono::hours(1) || analytics.max_rows < 1000 || analytics.max_rows > 100000000)
    throw config_error("analytics.retention must be at least 1h and analytics.max_rows 1000 to 100000000");
  if (database.sqlite_busy_timeout < std::chrono::milliseconds(0))
    throw config_error("database.sqlite.busy_timeout must not be negative");
  if (database.pg_statement_timeout < std::chrono::milliseconds(100))
    throw config_error("database.postgres.statement_timeout must be at least 100ms");
}

std::string config::sqlite_file() const {
  return database.sqlite_path.empty() ? data_dir + "/manager.db" : database.sqlite_path;
}

std::string config::postgres_conninfo() const {
  const auto& d = database;
  const auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(d.pg_connect_timeout).count());
  std::string s = "host=" + quoted(d.pg_host) + " port=" + std::to_string(d.pg_port) + " user=" + quoted(d.pg_user) +
                  " dbname=" + quoted(d.pg_dbname) + " sslmode=" + quoted(d.pg_sslmode) +
                  " connect_timeout=" + std::to_string(seconds) + " application_name='dfmanager'";
  if (!d.pg_password.empty()) s += " password=" + quoted(d.pg_password);
  return s;
}

std::string config::to_yaml() const {
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  const auto secret = [](const std::string& s) { return s.empty() ? std::string() : std::string("<redacted>"); };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << listen;
  out << YAML::Key << "port" << YAML::Value << port;
  out << YAML::Key << "max_body" << YAML::Value << max_body;
  out << YAML::Key << "max_connections" << YAML::Value << max_connections << YAML::EndMap;
  out << YAML::Key << "data_dir" << YAML::Value << YAML::DoubleQuoted << data_dir;
  out << YAML::Key << "database" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << database.type;
  out << YAML::Key << "sqlite" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "path" << YAML::Value << YAML::DoubleQuoted << sqlite_file();
  out << YAML::Key << "busy_timeout" << YAML::Value << ms(database.sqlite_busy_timeout) << YAML::EndMap;
  out << YAML::Key << "postgres" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "host" << YAML::Value << YAML::DoubleQuoted << database.pg_host;
  out << YAML::Key << "port" << YAML::Value << database.pg_port;
  out << YAML::Key << "user" << YAML::Value << YAML::DoubleQuoted << database.pg_user;
  out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << secret(database.pg_password);
  out << YAML::Key << "dbname" << YAML::Value << YAML::DoubleQuoted << database.pg_dbname;
  out << YAML::Key << "sslmode" << YAML::Value << database.pg_sslmode;
  out << YAML::Key << "connect_timeout" << YAML::Value << ms(database.pg_connect_timeout);
  out << YAML::Key << "statement_timeout" << YAML::Value << ms(database.pg_statement_timeout) << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "keepalive" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "interval" << YAML::Value << ms(keepalive.interval);
  out << YAML::Key << "misses" << YAML::Value << keepalive.misses << YAML::EndMap;
  out << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "admin_token" << YAML::Value << YAML::DoubleQuoted << secret(admin_token);
  out << YAML::Key << "component_token" << YAML::Value << YAML::DoubleQuoted << secret(component_token) << YAML::EndMap;
  out << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
  security.emit(out);
  out << YAML::EndMap;
  out << YAML::Key << "enrollment" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "ca_cert" << YAML::Value << YAML::DoubleQuoted << enrollment.ca_cert;
  out << YAML::Key << "ca_key" << YAML::Value << YAML::DoubleQuoted << enrollment.ca_key;
  out << YAML::Key << "validity" << YAML::Value << ms(enrollment.validity);
  out << YAML::Key << "tokens" << YAML::Value << YAML::BeginSeq;
  for (const auto& [token, role] : enrollment.tokens)
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "token" << YAML::Value << YAML::DoubleQuoted << secret(token)
        << YAML::Key << "role" << YAML::Value << role << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
  out << YAML::Key << "jobs" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "lease" << YAML::Value << ms(jobs.lease);
  out << YAML::Key << "poll_interval" << YAML::Value << ms(jobs.poll_interval);
  out << YAML::Key << "max_running" << YAML::Value << jobs.max_running;
  out << YAML::Key << "max_attempts" << YAML::Value << jobs.max_attempts;
  out << YAML::Key << "rate_limit" << YAML::Value << jobs.rate_limit;
  out << YAML::Key << "scheduler_token_file" << YAML::Value << YAML::DoubleQuoted << jobs.scheduler_token_file
      << YAML::EndMap;
  out << YAML::Key << "webhooks" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "harbor_scheme" << YAML::Value << webhooks.harbor_scheme;
  out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : webhooks.rules) {
    out << YAML::BeginMap << YAML::Key << "repository" << YAML::Value << YAML::DoubleQuoted << r.repository;
    out << YAML::Key << "tags" << YAML::Value << YAML::Flow << r.tags;
    out << YAML::Key << "scheduler_cluster_ids" << YAML::Value << YAML::Flow << r.scheduler_cluster_ids;
    out << YAML::Key << "scope" << YAML::Value << r.scope;
    out << YAML::Key << "username" << YAML::Value << YAML::DoubleQuoted << r.username;
    out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted << secret(r.password) << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  out << YAML::Key << "console" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dir" << YAML::Value << YAML::DoubleQuoted << console.dir;
  out << YAML::Key << "session_ttl" << YAML::Value << ms(console.session_ttl);
  out << YAML::Key << "idle_timeout" << YAML::Value << ms(console.idle_timeout);
  out << YAML::Key << "signin_max_failures" << YAML::Value << console.signin_max_failures;
  out << YAML::Key << "signin_window" << YAML::Value << ms(console.signin_window) << YAML::EndMap;
  out << YAML::Key << "audit" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "retention" << YAML::Value << ms(audit.retention) << YAML::EndMap;
  out << YAML::Key << "analytics" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "retention" << YAML::Value << ms(analytics.retention);
  out << YAML::Key << "max_rows" << YAML::Value << analytics.max_rows << YAML::EndMap;
  out << YAML::Key << "log_level" << YAML::Value << YAML::DoubleQuoted << log_level;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace df::manager
