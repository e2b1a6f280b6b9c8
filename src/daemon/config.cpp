#include "daemon/config.hpp"

#include "core/local_host.hpp"
#include "core/piece_layout.hpp"

#include "core/url.hpp"
#include "core/yaml_config.hpp"

#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <regex>

namespace df::daemon {
namespace {

// The HTTPS proxy's settings hang together: a CA needs both files, hosts need a CA, limits are sane.
void validate_https_proxy(const config::proxy_section& proxy) {
  const auto& h = proxy.hijack_https;
  if (h.cert.empty() != h.key.empty())
    throw config_error("proxy.hijack_https: cert and key go together (the CA certificate and its private key)");
  if (!h.hosts.empty() && h.cert.empty())
    throw config_error("proxy.hijack_https.hosts needs proxy.hijack_https.cert and key (the CA that signs leaves)");
  if (h.leaf_validity < std::chrono::minutes(10) || h.leaf_validity > std::chrono::hours(24 * 90))
    throw config_error("proxy.hijack_https.leaf_validity must be between 10m and 2160h (90 days)");
  if (h.max_cached_certs == 0 || h.max_cached_certs > 100000)
    throw config_error("proxy.hijack_https.max_cached_certs must be between 1 and 100000");
  if (h.handshake_timeout < std::chrono::milliseconds(100) || h.handshake_timeout > std::chrono::minutes(5))
    throw config_error("proxy.hijack_https.handshake_timeout must be between 100ms and 5m");
  if (proxy.connect_idle_timeout < std::chrono::seconds(1))
    throw config_error("proxy.connect_idle_timeout must be at least 1s");
  const auto& auth = proxy.basic_auth;
  if (auth.username.empty() != auth.password.empty())
    throw config_error("proxy.basic_auth: username and password go together");
  if (auth.username.find(':') != std::string::npos)
    throw config_error("proxy.basic_auth.username must not contain ':'");
}

// proxy.hijack_https.hosts: regexes, written as strings or, as Dragonfly's hijackHTTPS.hosts are,
// as {regx: ...}. Dragonfly's per-host `insecure` and `certs` have their equivalents in origin_tls.
std::vector<std::string> read_hijack_hosts(const YAML::Node& list) {
  if (!list.IsSequence()) throw config_error("proxy.hijack_https.hosts must be a list of regular expressions");
  std::vector<std::string> out;
  for (const auto& entry : list) {
    if (entry.IsMap()) {
      check_keys(entry, "proxy.hijack_https.hosts[]", {"regx", "insecure", "certs"});
      if (entry["insecure"] || entry["certs"])
        throw config_error("proxy.hijack_https.hosts[]: instead of insecure / certs, list the host in "
                           "origin_tls.insecure_hosts or its CA in origin_tls.ca_file");
      if (!entry["regx"] || !entry["regx"].IsScalar())
        throw config_error("proxy.hijack_https.hosts[]: an entry needs regx: <regular expression>");
      out.push_back(entry["regx"].Scalar());
    } else if (entry.IsScalar()) {
      out.push_back(entry.Scalar());
    } else {
      throw config_error("proxy.hijack_https.hosts: every entry is a regular expression or {regx: ...}");
    }
  }
  return out;
}

}  // namespace

config config::load(const std::string& path) { return from_yaml(load_yaml_file(path)); }

config config::parse(const std::string& yaml_text) {
  return from_yaml(parse_yaml_text(yaml_text));
}

config config::from_yaml(const YAML::Node& root) {
  config c;
  check_keys(root, "", {"data_dir", "log_level", "seed_peer", "host", "scheduler", "download", "upload", "seed", "gc",
                        "local_api", "origin_tls", "origin_policy", "proxy", "security", "manager"});
  if (!root || root.IsNull()) return c;
  check_keys(root["host"], "host", {"hostname", "ip", "idc", "location"});
  check_keys(root["scheduler"], "scheduler", {"addresses", "keepalive_interval", "connect_timeout"});
  check_keys(root["download"], "download", {"rate_limit", "piece_size", "concurrent_pieces", "per_parent_pieces",
                                            "piece_timeout", "origin_timeout", "disable_back_to_source"});
  check_keys(root["upload"], "upload", {"listen", "port", "rate_limit"});
  check_keys(root["seed"], "seed", {"revalidate", "max_age"});
  check_keys(root["gc"], "gc", {"interval", "task_ttl", "quota", "high_watermark", "low_watermark"});
  check_keys(root["local_api"], "local_api", {"socket"});
  check_keys(root["origin_tls"], "origin_tls", {"ca_file", "insecure_hosts"});
  check_keys(root["origin_policy"], "origin_policy", {"allow", "deny"});
  check_keys(root["security"], "security", {"mode", "ca_file", "cert_file", "key_file", "crl_file"});
  c.security.read(root["security"]);
  c.manager.read(root["manager"], "dfdaemon");
  check_keys(root["proxy"], "proxy", {"enabled", "listen", "port", "default_registry", "registries", "p2p_rules",
                                      "connect_tunnel", "auth_cache_ttl", "hijack_https", "basic_auth", "connect_idle_timeout"});
  // (A section's subsections exist only when it is a mapping: indexing anything else throws.)
  const auto proxy = root["proxy"];
  const auto hijack = proxy && proxy.IsMap() ? proxy["hijack_https"] : YAML::Node();
  const auto basic_auth = proxy && proxy.IsMap() ? proxy["basic_auth"] : YAML::Node();
  check_keys(hijack, "proxy.hijack_https",
             {"cert", "key", "hosts", "leaf_validity", "max_cached_certs", "handshake_timeout"});
  check_keys(basic_auth, "proxy.basic_auth", {"username", "password"});
  read_value(root, "data_dir", c.data_dir);
  read_value(root, "log_level", c.log_level);
  read_value(root, "seed_peer", c.seed_peer);
  const auto host = root["host"];
  read_value(host, "hostname", c.host.hostname);
  read_value(host, "ip", c.host.ip);
  read_value(host, "idc", c.host.idc);
  read_value(host, "location", c.host.location);
  const auto sched = root["scheduler"];
  read_value(sched, "addresses", c.scheduler.addresses);
  read_duration(sched, "keepalive_interval", c.scheduler.keepalive_interval);
  read_duration(sched, "connect_timeout", c.scheduler.connect_timeout);
  const auto dl = root["download"];
  read_size(dl, "rate_limit", c.download.rate_limit);
  read_size(dl, "piece_size", c.download.piece_size);
  read_value(dl, "concurrent_pieces", c.download.concurrent_pieces);
  read_value(dl, "per_parent_pieces", c.download.per_parent_pieces);
  read_duration(dl, "piece_timeout", c.download.piece_timeout);
  read_duration(dl, "origin_timeout", c.download.origin_timeout);
  read_value(dl, "disable_back_to_source", c.download.disable_back_to_source);
  const auto up = root["upload"];
  read_value(up, "listen", c.upload.listen);
  read_value(up, "port", c.upload.port);
  read_size(up, "rate_limit", c.upload.rate_limit);
  read_value(root["seed"], "revalidate", c.seed.revalidate);
  read_duration(root["seed"], "max_age", c.seed.max_age);
  const auto gc = root["gc"];
  read_duration(gc, "interval", c.gc.interval);
  read_duration(gc, "task_ttl", c.gc.task_ttl);
  read_size(gc, "quota", c.gc.quota);
  read_value(gc, "high_watermark", c.gc.high_watermark);
  read_value(gc, "low_watermark", c.gc.low_watermark);
  read_value(root["local_api"], "socket", c.local_api.socket);
  read_value(root["origin_tls"], "ca_file", c.origin_tls.ca_file);
  read_value(root["origin_tls"], "insecure_hosts", c.origin_tls.insecure_hosts);
  read_value(root["origin_policy"], "allow", c.origin_policy.allow);
  read_value(root["origin_policy"], "deny", c.origin_policy.deny);
  read_value(proxy, "enabled", c.proxy.enabled);
  read_value(proxy, "listen", c.proxy.listen);
  read_value(proxy, "port", c.proxy.port);
  read_value(proxy, "default_registry", c.proxy.default_registry);
  read_value(proxy, "p2p_rules", c.proxy.p2p_rules);
  read_value(proxy, "connect_tunnel", c.proxy.connect_tunnel);
  read_duration(proxy, "auth_cache_ttl", c.proxy.auth_cache_ttl);
  read_duration(proxy, "connect_idle_timeout", c.proxy.connect_idle_timeout);
  read_value(hijack, "cert", c.proxy.hijack_https.cert);
  read_value(hijack, "key", c.proxy.hijack_https.key);
  if (hijack && hijack.IsMap() && hijack["hosts"] && !hijack["hosts"].IsNull())
    c.proxy.hijack_https.hosts = read_hijack_hosts(hijack["hosts"]);
  read_duration(hijack, "leaf_validity", c.proxy.hijack_https.leaf_validity);
  read_value(hijack, "max_cached_certs", c.proxy.hijack_https.max_cached_certs);
  read_duration(hijack, "handshake_timeout", c.proxy.hijack_https.handshake_timeout);
  read_value(basic_auth, "username", c.proxy.basic_auth.username);
  read_value(basic_auth, "password", c.proxy.basic_auth.password);
  if (proxy && proxy.IsMap() && proxy["registries"] && !proxy["registries"].IsNull()) {
    const auto regs = proxy["registries"];
    if (!regs.IsMap()) throw config_error("proxy.registries must map a registry host to its base URL");
    c.proxy.registries.clear();
    for (const auto& entry : regs) {
      std::string host, base;
      try {
        host = entry.first.as<std::string>();
        base = entry.second.as<std::string>();
      } catch (const YAML::Exception&) {
        throw config_error("proxy.registries: every entry must be \"host[:port]\": \"http(s)://host[:port]\"");
      }
      c.proxy.registries.emplace_back(host, base);
    }
  }
  return c;
}

void config::resolve_defaults() {
  if (host.hostname.empty()) host.hostname = local_hostname();
  if (host.ip.empty()) host.ip = first_ipv4();
  if (scheduler.addresses.empty() && !manager.enabled()) scheduler.addresses = {"127.0.0.1:8002"};
  if (local_api.socket.empty())
    local_api.socket = ::geteuid() == 0 ? "/var/run/dragonfly/dfdaemon.sock" : data_dir + "/dfdaemon.sock";
}

void config::validate() const {
  if (data_dir.empty()) throw config_error("data_dir must not be empty");
  security.validate("dfdaemon");
  manager.validate();
  for (const auto& a : scheduler.addresses)
    if (a.rfind(':') == std::string::npos) throw config_error("scheduler address '" + a + "' must be host:port");
  if (download.concurrent_pieces == 0 || download.per_parent_pieces == 0)
    throw config_error("download.concurrent_pieces and download.per_parent_pieces must be at least 1");
  if (seed.revalidate != "always" && seed.revalidate != "max_age" && seed.revalidate != "never")
    throw config_error("seed.revalidate must be always, max_age or never (got '" + seed.revalidate + "')");
  if (gc.interval < std::chrono::milliseconds(100)) throw config_error("gc.interval must be at least 100ms");
  if (!(gc.low_watermark > 0 && gc.low_watermark <= gc.high_watermark && gc.high_watermark <= 1))
    throw config_error("gc watermarks must satisfy 0 < low_watermark <= high_watermark <= 1");
  if (download.piece_size != 0 && (download.piece_size < min_wire_piece_size || download.piece_size > max_wire_piece_size))
    throw config_error("download.piece_size must be between 4KiB and 256MiB (or 0 for automatic)");
  const auto check_base = [](const std::string& what, const std::string& base) {
    const auto u = parse_url(base);
    if (!u || u->target != "/")
      throw config_error(what + " must be a base URL such as https://registry.example:5000 (got '" + base + "')");
  };
  check_base("proxy.default_registry", proxy.default_registry);
  for (const auto& [host, base] : proxy.registries) check_base("proxy.registries[" + host + "]", base);
  const auto check_regexes = [](const std::string& what, const std::vector<std::string>& rules) {
    for (const auto& rule : rules) {
      try {
        std::regex check(rule);
      } catch (const std::regex_error& e) {
        throw config_error(what + ": '" + rule + "' is not a valid regular expression: " + e.what());
      }
    }
  };
  check_regexes("proxy.p2p_rules", proxy.p2p_rules);
  validate_https_proxy(proxy);
  check_regexes("proxy.hijack_https.hosts", proxy.hijack_https.hosts);
}

std::string config::to_yaml() const {
  const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  YAML::Emitter out;
  out.SetDoublePrecision(6);
  out << YAML::BeginMap;
  out << YAML::Key << "data_dir" << YAML::Value << YAML::DoubleQuoted << data_dir;
  out << YAML::Key << "log_level" << YAML::Value << YAML::DoubleQuoted << log_level;
  out << YAML::Key << "seed_peer" << YAML::Value << seed_peer;
  out << YAML::Key << "host" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : {std::pair{"hostname", &host.hostname}, {"ip", &host.ip}, {"idc", &host.idc},
                             {"location", &host.location}})
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << *v;
  out << YAML::EndMap;
  out << YAML::Key << "scheduler" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "addresses" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& a : scheduler.addresses) out << YAML::DoubleQuoted << a;
  out << YAML::EndSeq;
  out << YAML::Key << "keepalive_interval" << YAML::Value << ms(scheduler.keepalive_interval);
  out << YAML::Key << "connect_timeout" << YAML::Value << ms(scheduler.connect_timeout) << YAML::EndMap;
  out << YAML::Key << "manager" << YAML::Value << YAML::BeginMap;
  manager.emit(out, "dfdaemon");
  out << YAML::EndMap;
  out << YAML::Key << "download" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rate_limit" << YAML::Value << download.rate_limit;
  out << YAML::Key << "piece_size" << YAML::Value << download.piece_size;
  out << YAML::Key << "concurrent_pieces" << YAML::Value << download.concurrent_pieces;
  out << YAML::Key << "per_parent_pieces" << YAML::Value << download.per_parent_pieces;
  out << YAML::Key << "piece_timeout" << YAML::Value << ms(download.piece_timeout);
  out << YAML::Key << "origin_timeout" << YAML::Value << ms(download.origin_timeout);
  out << YAML::Key << "disable_back_to_source" << YAML::Value << download.disable_back_to_source << YAML::EndMap;
  out << YAML::Key << "upload" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << upload.listen;
  out << YAML::Key << "port" << YAML::Value << upload.port;
  out << YAML::Key << "rate_limit" << YAML::Value << upload.rate_limit << YAML::EndMap;
  out << YAML::Key << "seed" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "revalidate" << YAML::Value << YAML::DoubleQuoted << seed.revalidate;
  out << YAML::Key << "max_age" << YAML::Value << ms(seed.max_age) << YAML::EndMap;
  out << YAML::Key << "gc" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "interval" << YAML::Value << ms(gc.interval);
  out << YAML::Key << "task_ttl" << YAML::Value << ms(gc.task_ttl);
  out << YAML::Key << "quota" << YAML::Value << gc.quota;
  out << YAML::Key << "high_watermark" << YAML::Value << gc.high_watermark;
  out << YAML::Key << "low_watermark" << YAML::Value << gc.low_watermark << YAML::EndMap;
  out << YAML::Key << "local_api" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "socket" << YAML::Value << YAML::DoubleQuoted << local_api.socket << YAML::EndMap;
  out << YAML::Key << "origin_tls" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "ca_file" << YAML::Value << YAML::DoubleQuoted << origin_tls.ca_file;
  out << YAML::Key << "insecure_hosts" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& h : origin_tls.insecure_hosts) out << YAML::DoubleQuoted << h;
  out << YAML::EndSeq << YAML::EndMap;
  out << YAML::Key << "origin_policy" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, list] : {std::pair{"allow", &origin_policy.allow}, {"deny", &origin_policy.deny}}) {
    out << YAML::Key << k << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& e : *list) out << YAML::DoubleQuoted << e;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  out << YAML::Key << "proxy" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << proxy.enabled;
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << proxy.listen;
  out << YAML::Key << "port" << YAML::Value << proxy.port;
  out << YAML::Key << "default_registry" << YAML::Value << YAML::DoubleQuoted << proxy.default_registry;
  out << YAML::Key << "registries" << YAML::Value << YAML::BeginMap;
  for (const auto& [host, base] : proxy.registries)
    out << YAML::Key << YAML::DoubleQuoted << host << YAML::Value << YAML::DoubleQuoted << base;
  out << YAML::EndMap;
  out << YAML::Key << "p2p_rules" << YAML::Value << YAML::BeginSeq;
  for (const auto& r : proxy.p2p_rules) out << YAML::SingleQuoted << r;
  out << YAML::EndSeq;
  out << YAML::Key << "connect_tunnel" << YAML::Value << proxy.connect_tunnel;
  out << YAML::Key << "auth_cache_ttl" << YAML::Value << ms(proxy.auth_cache_ttl);
  const auto& hijack = proxy.hijack_https;
  out << YAML::Key << "hijack_https" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cert" << YAML::Value << YAML::DoubleQuoted << hijack.cert;
  out << YAML::Key << "key" << YAML::Value << YAML::DoubleQuoted << hijack.key;
  out << YAML::Key << "hosts" << YAML::Value << YAML::BeginSeq;
  for (const auto& h : hijack.hosts) out << YAML::SingleQuoted << h;
  out << YAML::EndSeq;
  out << YAML::Key << "leaf_validity" << YAML::Value << ms(hijack.leaf_validity);
  out << YAML::Key << "max_cached_certs" << YAML::Value << hijack.max_cached_certs;
  out << YAML::Key << "handshake_timeout" << YAML::Value << ms(hijack.handshake_timeout) << YAML::EndMap;
  // The password is a secret: shown only as whether one is set.
  out << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "username" << YAML::Value << YAML::DoubleQuoted << proxy.basic_auth.username;
  out << YAML::Key << "password" << YAML::Value << YAML::DoubleQuoted
      << (proxy.basic_auth.password.empty() ? "" : "<redacted>") << YAML::EndMap;
  out << YAML::Key << "connect_idle_timeout" << YAML::Value << ms(proxy.connect_idle_timeout) << YAML::EndMap;
  out << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
  security.emit(out);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace df::daemon
