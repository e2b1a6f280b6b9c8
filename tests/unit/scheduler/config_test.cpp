#include "core/yaml_config.hpp"
#include "scheduler/config.hpp"
#include "support/settings.hpp"

#include <gtest/gtest.h>

namespace df::scheduler {
namespace {

using namespace std::chrono_literals;

TEST(scheduler_config, the_defaults_are_the_documented_ones) {
  // What `dfscheduler --print-config` shows for an empty file: the values configs/dfscheduler.yaml
  // and docs/ state.
  EXPECT_EQ(config::parse("").to_yaml(), R"(server:
  listen: "0.0.0.0"
  port: 8002
metrics:
  listen: "127.0.0.1"
  port: 8000
keepalive_timeout: 30000ms
scheduling:
  max_parents: 8
  max_children_per_host: 64
  source_election_delay: 5000ms
  cross_idc_reveal_delay: 5000ms
  max_peers_per_host: 10000
  seed_max_tasks: 32
  quarantine_reports: 3
limits:
  max_connections: 20000
  max_unidentified_per_ip: 32
security:
  seed_peers: []
  mode: "off"
  ca_file: ""
  cert_file: ""
  key_file: ""
  crl_file: ""
host:
  hostname: ""
  ip: ""
  idc: ""
  location: ""
manager:
  addresses: []
  refresh_interval: 60000ms
  token_file: ""
  scheduler_cluster_id: 0
jobs:
  token_file: ""
  default_timeout: 600000ms
log_level: "info"
)");
  EXPECT_EQ(config{}.scheduling.candidate_sample, 64u);  // not a setting; docs/scheduling.md
  EXPECT_NO_THROW(config{}.validate());
}

TEST(scheduler_config, the_shipped_file_states_the_defaults) {
  EXPECT_EQ(config::load(DF_SOURCE_DIR "/configs/dfscheduler.yaml").to_yaml(), config::parse("").to_yaml());
  // Every key --print-config shows is written out in the sample, not only implied by its default.
  EXPECT_EQ(test::settings_missing_from(config::parse("").to_yaml(), DF_SOURCE_DIR "/configs/dfscheduler.yaml"),
            std::vector<std::string>{});
}

TEST(scheduler_config, every_key_is_read_into_its_setting) {
  const auto c = config::parse(R"(
server: {listen: 10.0.0.1, port: 9002}
metrics: {listen: 0.0.0.0, port: 9000}
keepalive_timeout: 1m
scheduling:
  max_parents: 4
  max_children_per_host: 16
  source_election_delay: 2500ms
  cross_idc_reveal_delay: 10s
  max_peers_per_host: 500
  seed_max_tasks: 7
  quarantine_reports: 5
limits: {max_connections: 3000, max_unidentified_per_ip: 4}
security: {seed_peers: [10.0.0.7, "fd00::7"], mode: mtls, ca_file: /pki/ca.pem, cert_file: /pki/s.pem,
           key_file: /pki/s-key.pem, crl_file: /pki/crl.pem}
host: {hostname: sched-1, ip: 10.0.0.2, idc: idc-a, location: "cn|hz"}
manager: {addresses: ["manager.local:8080"], refresh_interval: 30s, token_file: /etc/df/token,
          scheduler_cluster_id: 3}
jobs: {token_file: /etc/df/job-token, default_timeout: 2m}
log_level: debug
)");
  EXPECT_EQ(c.jobs.token_file, "/etc/df/job-token");
  EXPECT_EQ(c.jobs.default_timeout, 2min);
  EXPECT_EQ(c.host.hostname, "sched-1");
  EXPECT_EQ(c.host.ip, "10.0.0.2");
  EXPECT_EQ(c.host.idc, "idc-a");
  EXPECT_EQ(c.host.location, "cn|hz");
  EXPECT_EQ(c.manager.addresses, (std::vector<std::string>{"manager.local:8080"}));
  EXPECT_EQ(c.manager.refresh_interval, 30s);
  EXPECT_EQ(c.manager.token_file, "/etc/df/token");
  EXPECT_EQ(c.manager.scheduler_cluster_id, 3);
  EXPECT_EQ(c.listen, "10.0.0.1");
  EXPECT_EQ(c.port, 9002);
  EXPECT_EQ(c.metrics_listen, "0.0.0.0");
  EXPECT_EQ(c.metrics_port, 9000);
  EXPECT_EQ(c.keepalive_timeout, 1min);
  EXPECT_EQ(c.scheduling.max_parents, 4u);
  EXPECT_EQ(c.scheduling.max_children_per_host, 16u);
  EXPECT_EQ(c.scheduling.source_election_delay, 2500ms);
  EXPECT_EQ(c.scheduling.cross_idc_reveal_delay, 10s);
  EXPECT_EQ(c.scheduling.max_peers_per_host, 500u);
  EXPECT_EQ(c.scheduling.seed_max_tasks, 7u);
  EXPECT_EQ(c.scheduling.quarantine_reports, 5u);
  EXPECT_EQ(c.limits.max_connections, 3000u);
  EXPECT_EQ(c.limits.max_unidentified_per_ip, 4u);
  EXPECT_EQ(c.security.seed_peers, (std::vector<std::string>{"10.0.0.7", "fd00::7"}));
  EXPECT_EQ(c.security.mode, security_mode::mtls);
  EXPECT_EQ(c.security.ca_file, "/pki/ca.pem");
  EXPECT_EQ(c.security.cert_file, "/pki/s.pem");
  EXPECT_EQ(c.security.key_file, "/pki/s-key.pem");
  EXPECT_EQ(c.security.crl_file, "/pki/crl.pem");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_NO_THROW(c.validate());
  const auto unchanged = test::same_settings(c.to_yaml(), config::parse("").to_yaml());
  EXPECT_TRUE(unchanged.empty()) << "a key not set above: " << unchanged.front();
  // --print-config shows exactly those settings.
  EXPECT_EQ(config::parse(c.to_yaml()).to_yaml(), c.to_yaml());
}

TEST(scheduler_config, mistakes_are_errors_that_name_the_key) {
  const auto error_of = test::config_error_of<config>;
  EXPECT_NE(error_of("sheduling: {}").find("unknown key 'sheduling'"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {max_parent: 3}").find("'max_parent'"), std::string::npos);
  EXPECT_NE(error_of("server: {port: http}").find("'port'"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {max_parents: 0}").find("scheduling.max_parents"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {max_children_per_host: 0}").find("max_children_per_host"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {max_peers_per_host: 0}").find("max_peers_per_host"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {seed_max_tasks: 0}").find("scheduling.seed_max_tasks"), std::string::npos);
  EXPECT_NE(error_of("scheduling: {quarantine_reports: 1}").find("quarantine_reports"), std::string::npos);
  EXPECT_NE(error_of("limits: {max_connections: 0}").find("limits.max_connections"), std::string::npos);
  EXPECT_NE(error_of("limits: {max_unidentified_per_ip: 0}").find("max_unidentified_per_ip"), std::string::npos);
  EXPECT_NE(error_of("limits: {max_conections: 1}").find("'max_conections'"), std::string::npos);
  EXPECT_NE(error_of("keepalive_timeout: 500ms").find("keepalive_timeout"), std::string::npos);
  EXPECT_NE(error_of("security: {mode: strict}").find("security.mode"), std::string::npos);
  EXPECT_NE(error_of("security: {mode: tls, ca_file: a, key_file: b}").find("security.cert_file"), std::string::npos);
  EXPECT_EQ(error_of("log_level: warn"), "");
}

}  // namespace
}  // namespace df::scheduler
