#include "core/yaml_config.hpp"
#include "manager/config.hpp"
#include "support/settings.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

TEST(manager_config, the_shipped_file_states_the_defaults) {
  const auto shipped = config::load(DF_SOURCE_DIR "/configs/dfmanager.yaml");
  EXPECT_EQ(shipped.to_yaml(), config{}.to_yaml());
  // Every key --print-config shows is written out in the sample, not only implied by its default.
  EXPECT_EQ(test::settings_missing_from(config{}.to_yaml(), DF_SOURCE_DIR "/configs/dfmanager.yaml"),
            std::vector<std::string>{});
}

TEST(manager_config, sections_may_be_absent_or_partial) {
  EXPECT_EQ(config::parse("").port, 8080);
  const auto c = config::parse("keepalive:\n  interval: 250ms\ndatabase:\n  type: postgres\n");
  EXPECT_EQ(c.keepalive.interval, std::chrono::milliseconds(250));
  EXPECT_EQ(c.database.type, "postgres");
  EXPECT_EQ(c.database.pg_port, 5432);
  c.validate();
}

TEST(manager_config, mistakes_are_config_errors_naming_the_key) {
  EXPECT_THROW(config::parse("databse: {}"), config_error);
  EXPECT_THROW(config::parse("database:\n  postgres:\n    pasword: x\n"), config_error);
  EXPECT_THROW(config::parse("database: sqlite"), config_error);  // a scalar where a section belongs
  EXPECT_THROW(config::parse("server:\n  port: http\n"), config_error);
  EXPECT_THROW(config::parse("database:\n  type: mysql\n").validate(), config_error);
  EXPECT_THROW(config::parse("auth:\n  admin_token: short\n").validate(), config_error);
  EXPECT_THROW(config::parse("keepalive:\n  misses: 0\n").validate(), config_error);
  EXPECT_THROW(config::parse("jobs:\n  leas: 2s\n"), config_error);
  EXPECT_THROW(config::parse("jobs:\n  lease: 500ms\n").validate(), config_error);
  EXPECT_THROW(config::parse("jobs:\n  lease: 2s\n  poll_interval: 3s\n").validate(), config_error);
  EXPECT_THROW(config::parse("jobs:\n  rate_limit: 0\n").validate(), config_error);
  EXPECT_THROW(config::parse("console:\n  ttl: 1h\n"), config_error);
  EXPECT_THROW(config::parse("console:\n  session_ttl: 30s\n").validate(), config_error);
  EXPECT_THROW(config::parse("console:\n  idle_timeout: 24h\n").validate(), config_error);  // past the session
  EXPECT_THROW(config::parse("console:\n  signin_max_failures: 0\n").validate(), config_error);
  EXPECT_THROW(config::parse("audit:\n  retention: 10m\n").validate(), config_error);
  const auto console = config::parse("console:\n  session_ttl: 2h\naudit:\n  retention: 720h\n");
  console.validate();
  EXPECT_EQ(console.console.session_ttl, std::chrono::hours(2));
  EXPECT_EQ(console.audit.retention, std::chrono::hours(720));
  EXPECT_EQ(console.analytics.retention, std::chrono::hours(720));  // the default: 30 days
  EXPECT_EQ(console.analytics.max_rows, 1000000u);
  EXPECT_THROW(config::parse("analytics:\n  retention: 10m\n").validate(), config_error);
  EXPECT_THROW(config::parse("analytics:\n  max_rows: 10\n").validate(), config_error);
  EXPECT_THROW(config::parse("analytics:\n  keep: 1h\n"), config_error);
  const auto analytics = config::parse("analytics:\n  retention: 48h\n  max_rows: 5000\n");
  analytics.validate();
  EXPECT_EQ(analytics.analytics.retention, std::chrono::hours(48));
  EXPECT_EQ(analytics.analytics.max_rows, 5000u);
  EXPECT_NE(analytics.to_yaml().find("max_rows: 5000"), std::string::npos);
  const auto jobs = config::parse("jobs:\n  lease: 2s\n  max_running: 8\n");
  jobs.validate();
  EXPECT_EQ(jobs.jobs.lease, std::chrono::seconds(2));
  EXPECT_EQ(jobs.jobs.max_running, 8u);
}

TEST(manager_config, secrets_never_print_but_reach_libpq_quoted) {
  const auto c = config::parse(
      "auth:\n  admin_token: a-very-secret-admin-token\ndatabase:\n  postgres:\n    password: \"p'w\\\\d\"\n");
  const auto printed = c.to_yaml();
  EXPECT_EQ(printed.find("a-very-secret-admin-token"), std::string::npos);
  EXPECT_EQ(printed.find("p'w"), std::string::npos);
  EXPECT_NE(printed.find("<redacted>"), std::string::npos);
  EXPECT_NE(c.postgres_conninfo().find(R"(password='p\'w\\d')"), std::string::npos) << c.postgres_conninfo();
}

TEST(manager_config, enrollment_tokens_grant_roles_and_never_print) {
  const auto c = config::parse(R"(
enrollment:
  ca_cert: /pki/ca.pem
  ca_key: /pki/ca-key.pem
  validity: 48h
  tokens:
    - {token: peer-bootstrap-0123456789, role: peer}
    - {token: seed-bootstrap-0123456789, role: seed-peer}
)");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.enrollment.ca_cert, "/pki/ca.pem");
  EXPECT_EQ(c.enrollment.ca_key, "/pki/ca-key.pem");
  EXPECT_EQ(c.enrollment.validity, std::chrono::hours(48));
  ASSERT_EQ(c.enrollment.tokens.size(), 2u);
  EXPECT_EQ(c.enrollment.tokens[1], (std::pair<std::string, std::string>{"seed-bootstrap-0123456789", "seed-peer"}));
  const auto printed = c.to_yaml();
  EXPECT_EQ(printed.find("bootstrap-0123456789"), std::string::npos) << printed;
  EXPECT_NE(printed.find("role: seed-peer"), std::string::npos) << printed;
  const auto bad = [](const char* yaml) { return config::parse(yaml).validate(); };
  EXPECT_THROW(bad("enrollment: {ca_cert: a.pem}"), config_error);  // no key
  EXPECT_THROW(bad("enrollment: {tokens: [{token: 0123456789abcdefg, role: peer}]}"), config_error);  // no CA
  EXPECT_THROW(bad("enrollment: {ca_cert: a, ca_key: b, tokens: [{token: short, role: peer}]}"), config_error);
  EXPECT_THROW(bad("enrollment: {ca_cert: a, ca_key: b, tokens: [{token: 0123456789abcdefg, role: admin}]}"),
               config_error);
  EXPECT_THROW(config::parse("enrollment: {tokens: [{token: x, rol: peer}]}"), config_error);
}

TEST(manager_config, security_and_the_component_token) {
  const auto c = config::parse(R"(
auth: {component_token: component-token-0123456789}
security: {mode: tls, ca_file: /pki/ca.pem, cert_file: /pki/m.pem, key_file: /pki/m-key.pem, crl_file: /pki/crl.pem}
)");
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.security.mode, security_mode::tls);
  EXPECT_EQ(c.security.crl_file, "/pki/crl.pem");
  EXPECT_EQ(c.component_token, "component-token-0123456789");
  const auto printed = c.to_yaml();
  EXPECT_EQ(printed.find("component-token-0123456789"), std::string::npos) << printed;
  EXPECT_NE(printed.find("/pki/m-key.pem"), std::string::npos) << printed;
  EXPECT_EQ(config::parse(printed).security.cert_file, "/pki/m.pem");
  const auto bad = [](const char* yaml) { return config::parse(yaml).validate(); };
  EXPECT_THROW(bad("security: {mode: mtls}"), config_error);  // no files
  EXPECT_THROW(bad("security: {mode: tls, ca_file: a, cert_file: b}"), config_error);  // no key
  EXPECT_THROW(config::parse("security: {mode: strict}"), config_error);
  EXPECT_THROW(config::parse("security: {cert: a.pem}"), config_error);  // the keys are *_file
  EXPECT_THROW(bad("auth: {component_token: short}"), config_error);
  EXPECT_THROW(bad("auth: {admin_token: same-token-0123456789, component_token: same-token-0123456789}"),
               config_error);
  EXPECT_THROW(bad("auth: {component_token: component-token-0123456789}\n"
                   "security: {mode: mtls, ca_file: a, cert_file: b, key_file: c}"),
               config_error);  // mtls: components use their certificates
}

}  // namespace
}  // namespace df::manager
