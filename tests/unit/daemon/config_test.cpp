#include "core/yaml_config.hpp"
#include "daemon/config.hpp"
#include "support/settings.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::string& yaml) { return test::config_error_of<config>(yaml); }

TEST(daemon_config, the_defaults_are_the_documented_ones) {
  // What `dfdaemon --print-config` shows for an empty file (before the hostname, address and
  // socket are filled in): the values configs/dfdaemon.yaml and docs/ state.
  EXPECT_EQ(config::parse("").to_yaml(), R"(data_dir: "/var/lib/dragonfly"
log_level: "info"
seed_peer: false
host:
  hostname: ""
  ip: ""
  idc: ""
  location: ""
scheduler:
  addresses: []
  keepalive_interval: 5000ms
  connect_timeout: 2000ms
manager:
  addresses: []
  refresh_interval: 60000ms
  token_file: ""
download:
  rate_limit: 0
  piece_size: 0
  concurrent_pieces: 12
  per_parent_pieces: 2
  piece_timeout: 30000ms
  origin_timeout: 30000ms
  disable_back_to_source: false
upload:
  listen: "0.0.0.0"
  port: 65002
  rate_limit: 0
seed:
  revalidate: "always"
  max_age: 600000ms
gc:
  interval: 60000ms
  task_ttl: 21600000ms
  quota: 0
  high_watermark: 0.9
  low_watermark: 0.8
local_api:
  socket: ""
origin_tls:
  ca_file: ""
  insecure_hosts: []
origin_policy:
  allow: []
  deny: []
proxy:
  enabled: true
  listen: "127.0.0.1"
  port: 65001
  default_registry: "https://index.docker.io"
  registries:
    {}
  p2p_rules:
    - '/v2/.+/blobs/sha256:[0-9a-f]{64}$'
  connect_tunnel: true
  auth_cache_ttl: 60000ms
  hijack_https:
    cert: ""
    key: ""
    hosts:
      []
    leaf_validity: 86400000ms
    max_cached_certs: 1000
    handshake_timeout: 10000ms
  basic_auth:
    username: ""
    password: ""
  connect_idle_timeout: 300000ms
security:
  mode: "off"
  ca_file: ""
  cert_file: ""
  key_file: ""
  crl_file: ""
)");
  EXPECT_FALSE(config{}.upload.corrupt_for_testing);  // the one setting it does not print
  EXPECT_NO_THROW(config{}.validate());
}

TEST(daemon_config, the_shipped_file_states_the_defaults) {
  EXPECT_EQ(config::load(DF_SOURCE_DIR "/configs/dfdaemon.yaml").to_yaml(), config::parse("").to_yaml());
  // Every key --print-config shows is written out in the sample, not only implied by its default.
  EXPECT_EQ(test::settings_missing_from(config::parse("").to_yaml(), DF_SOURCE_DIR "/configs/dfdaemon.yaml"),
            std::vector<std::string>{});
}

TEST(daemon_config, every_key_is_read_into_its_setting) {
  const auto c = config::parse(R"(
data_dir: /data/df
log_level: debug
seed_peer: true
host: {hostname: node-1, ip: 10.1.2.3, idc: idc-a, location: "cn|hz|r12"}
scheduler:
  addresses: ["10.0.0.1:8002", "10.0.0.2:8002"]
  keepalive_interval: 7s
  connect_timeout: 1500ms
manager: {addresses: ["manager.local:8080", "10.0.0.9:8080"], refresh_interval: 30s, token_file: /etc/df/token}
download:
  rate_limit: 100MB
  piece_size: 8MiB
  concurrent_pieces: 20
  per_parent_pieces: 3
  piece_timeout: 45s
  origin_timeout: 1m
  disable_back_to_source: true
upload: {listen: 10.1.2.4, port: 65012, rate_limit: 50MiB}
seed: {revalidate: max_age, max_age: 15m}
gc: {interval: 2m, task_ttl: 24h, quota: 100GiB, high_watermark: 0.95, low_watermark: 0.7}
local_api: {socket: /run/df.sock}
origin_tls: {ca_file: /etc/ca.pem, insecure_hosts: ["registry.test:5000"]}
origin_policy: {allow: ["127.0.0.0/8", registry.local], deny: ["10.0.0.0/8"]}
proxy:
  enabled: false
  listen: 0.0.0.0
  port: 65011
  default_registry: https://mirror.example
  registries: {"127.0.0.1:5000": "http://127.0.0.1:5000"}
  p2p_rules: ["/blobs/"]
  connect_tunnel: false
  auth_cache_ttl: 5s
  hijack_https:
    cert: /etc/dragonfly/ca.pem
    key: /etc/dragonfly/ca.key
    hosts: ['^registry\.example:443$', 'files\.example']
    leaf_validity: 12h
    max_cached_certs: 50
    handshake_timeout: 3s
  basic_auth: {username: proxy-user, password: proxy-secret}
  connect_idle_timeout: 2m
security: {mode: tls, ca_file: /pki/ca.pem, cert_file: /pki/d.pem, key_file: /pki/d-key.pem, crl_file: /pki/crl.pem}
)");
  EXPECT_EQ(c.data_dir, "/data/df");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_TRUE(c.seed_peer);
  EXPECT_EQ(c.host.hostname, "node-1");
  EXPECT_EQ(c.host.ip, "10.1.2.3");
  EXPECT_EQ(c.host.idc, "idc-a");
  EXPECT_EQ(c.host.location, "cn|hz|r12");
  EXPECT_EQ(c.scheduler.addresses, (std::vector<std::string>{"10.0.0.1:8002", "10.0.0.2:8002"}));
  EXPECT_EQ(c.scheduler.keepalive_interval, 7s);
  EXPECT_EQ(c.scheduler.connect_timeout, 1500ms);
  EXPECT_EQ(c.download.rate_limit, 100'000'000u);
  EXPECT_EQ(c.download.piece_size, 8u << 20);
  EXPECT_EQ(c.download.concurrent_pieces, 20u);
  EXPECT_EQ(c.download.per_parent_pieces, 3u);
  EXPECT_EQ(c.download.piece_timeout, 45s);
  EXPECT_EQ(c.download.origin_timeout, 1min);
  EXPECT_TRUE(c.download.disable_back_to_source);
  EXPECT_EQ(c.upload.listen, "10.1.2.4");
  EXPECT_EQ(c.upload.port, 65012);
  EXPECT_EQ(c.upload.rate_limit, 50u << 20);
  EXPECT_EQ(c.seed.revalidate, "max_age");
  EXPECT_EQ(c.seed.max_age, 15min);
  EXPECT_EQ(c.gc.interval, 2min);
  EXPECT_EQ(c.gc.task_ttl, 24h);
  EXPECT_EQ(c.gc.quota, 100ull << 30);
  EXPECT_DOUBLE_EQ(c.gc.high_watermark, 0.95);
  EXPECT_DOUBLE_EQ(c.gc.low_watermark, 0.7);
  EXPECT_EQ(c.local_api.socket, "/run/df.sock");
  EXPECT_EQ(c.origin_tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(c.origin_tls.insecure_hosts, std::vector<std::string>{"registry.test:5000"});
  EXPECT_EQ(c.origin_policy.allow, (std::vector<std::string>{"127.0.0.0/8", "registry.local"}));
  EXPECT_EQ(c.origin_policy.deny, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_FALSE(c.proxy.enabled);
  EXPECT_EQ(c.proxy.listen, "0.0.0.0");
  EXPECT_EQ(c.proxy.port, 65011);
  EXPECT_EQ(c.proxy.default_registry, "https://mirror.example");
  EXPECT_EQ(c.proxy.registries, (std::vector<std::pair<std::string, std::string>>{{"127.0.0.1:5000", "http://127.0.0.1:5000"}}));
  EXPECT_EQ(c.proxy.p2p_rules, std::vector<std::string>{"/blobs/"});
  EXPECT_FALSE(c.proxy.connect_tunnel);
  EXPECT_EQ(c.proxy.auth_cache_ttl, 5s);
  EXPECT_EQ(c.proxy.hijack_https.cert, "/etc/dragonfly/ca.pem");
  EXPECT_EQ(c.proxy.hijack_https.key, "/etc/dragonfly/ca.key");
  EXPECT_EQ(c.proxy.hijack_https.hosts, (std::vector<std::string>{"^registry\\.example:443$", "files\\.example"}));
  EXPECT_EQ(c.proxy.hijack_https.leaf_validity, 12h);
  EXPECT_EQ(c.proxy.hijack_https.max_cached_certs, 50u);
  EXPECT_EQ(c.proxy.hijack_https.handshake_timeout, 3s);
  EXPECT_EQ(c.proxy.basic_auth.username, "proxy-user");
  EXPECT_EQ(c.proxy.basic_auth.password, "proxy-secret");
  EXPECT_EQ(c.proxy.connect_idle_timeout, 2min);
  EXPECT_EQ(c.to_yaml().find("proxy-secret"), std::string::npos) << "--print-config shows the proxy password";
  EXPECT_EQ(c.security.mode, security_mode::tls);
  EXPECT_EQ(c.security.ca_file, "/pki/ca.pem");
  EXPECT_EQ(c.security.cert_file, "/pki/d.pem");
  EXPECT_EQ(c.security.key_file, "/pki/d-key.pem");
  EXPECT_EQ(c.security.crl_file, "/pki/crl.pem");
  EXPECT_EQ(c.manager.addresses, (std::vector<std::string>{"manager.local:8080", "10.0.0.9:8080"}));
  EXPECT_EQ(c.manager.refresh_interval, 30s);
  EXPECT_EQ(c.manager.token_file, "/etc/df/token");
  EXPECT_NO_THROW(c.validate());
  const auto unchanged = test::same_settings(c.to_yaml(), config::parse("").to_yaml());
  EXPECT_TRUE(unchanged.empty()) << "a key not set above: " << unchanged.front();
  // --print-config shows exactly those settings.
  EXPECT_EQ(config::parse(c.to_yaml()).to_yaml(), c.to_yaml());
}

TEST(daemon_config, https_proxy_settings_hang_together) {
  EXPECT_NE(error_of("proxy:\n  hijack_https: {cert: /ca.pem}\n").find("cert and key go together"), std::string::npos);
  EXPECT_NE(error_of("proxy:\n  hijack_https: {hosts: [a]}\n").find("needs proxy.hijack_https.cert"),
            std::string::npos);
  const std::string ca = "proxy:\n  hijack_https:\n    cert: /ca.pem\n    key: /ca.key\n";
  EXPECT_NE(error_of(ca + "    hosts: ['(']\n").find("proxy.hijack_https.hosts"), std::string::npos);
  EXPECT_NE(error_of(ca + "    leaf_validity: 1s\n").find("leaf_validity"), std::string::npos);
  EXPECT_NE(error_of(ca + "    max_cached_certs: 0\n").find("max_cached_certs"), std::string::npos);
  EXPECT_NE(error_of(ca + "    handshake_timeout: 1h\n").find("handshake_timeout"), std::string::npos);
  EXPECT_NE(error_of(ca + "    regx: a\n").find("unknown key 'regx'"), std::string::npos);
  EXPECT_EQ(error_of(ca + "    hosts: ['^registry\\.example:443$']\n"), "");
  // Dragonfly's hijackHTTPS.hosts entries ({regx: ...}) read as the regex itself.
  const auto dragonfly_style = config::parse(ca + "    hosts: [{regx: 'registry\\.example'}, 'files\\.example']\n");
  EXPECT_EQ(dragonfly_style.proxy.hijack_https.hosts,
            (std::vector<std::string>{"registry\\.example", "files\\.example"}));
  EXPECT_NE(error_of(ca + "    hosts: [{regx: a, insecure: true}]\n").find("origin_tls.insecure_hosts"),
            std::string::npos);
  EXPECT_NE(error_of(ca + "    hosts: [{regex: a}]\n").find("unknown key 'regex'"), std::string::npos);
  EXPECT_NE(error_of(ca + "    hosts: [[a]]\n").find("regular expression"), std::string::npos);
  EXPECT_NE(error_of(ca + "    hosts: a\n").find("must be a list"), std::string::npos);
  EXPECT_NE(error_of("proxy:\n  basic_auth: {username: u}\n").find("go together"), std::string::npos);
  EXPECT_NE(error_of("proxy:\n  basic_auth: {username: 'a:b', password: p}\n").find("':'"), std::string::npos);
  EXPECT_NE(error_of("proxy:\n  connect_idle_timeout: 10ms\n").find("connect_idle_timeout"), std::string::npos);
}

TEST(daemon_config, values_in_human_units) {
  const auto c = config::parse("download:\n  rate_limit: 30MB\n  piece_timeout: 10s\ngc:\n  quota: 2GiB\n");
  EXPECT_EQ(c.download.rate_limit, 30'000'000u);
  EXPECT_EQ(c.download.piece_timeout.count(), 10000);
  EXPECT_EQ(c.gc.quota, 2ull << 30);
}

TEST(daemon_config, mistakes_are_errors_that_name_the_key) {
  EXPECT_NE(error_of("donwload: {}").find("unknown key 'donwload'"), std::string::npos);
  EXPECT_NE(error_of("gc:\n  quota: lots\n").find("'quota'"), std::string::npos);
  EXPECT_NE(error_of("gc: [1, 2]").find("'gc' must be a mapping"), std::string::npos);
  EXPECT_NE(error_of("upload:\n  port: http\n").find("'port'"), std::string::npos);
  EXPECT_NE(error_of("seed:\n  revalidate: sometimes\n").find("seed.revalidate"), std::string::npos);
  EXPECT_NE(error_of("gc:\n  low_watermark: 0.95\n").find("watermarks"), std::string::npos);
  EXPECT_NE(error_of("[unclosed").find("malformed YAML"), std::string::npos);
  EXPECT_NE(error_of("security: {mode: yes}").find("security.mode"), std::string::npos);
  EXPECT_NE(error_of("security: {mode: mtls, cert_file: a, key_file: b}").find("security.ca_file"), std::string::npos);
  EXPECT_EQ(error_of("log_level: debug\n"), "");
}

TEST(daemon_config, printed_settings_read_back_the_same) {
  auto c = config::parse("host:\n  idc: \"a: b\"\n  location: \"cn|hz\"\ngc:\n  high_watermark: 0.75\n");
  const std::string printed = c.to_yaml();
  EXPECT_EQ(config::parse(printed).to_yaml(), printed);
  EXPECT_EQ(config::parse(printed).host.idc, "a: b");
}

}  // namespace
}  // namespace df::daemon
