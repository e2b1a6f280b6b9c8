#include "daemon/proxy_router.hpp"

#include <gtest/gtest.h>

namespace df::daemon {
namespace {

const std::string blob = "sha256:" + std::string(64, 'a');

struct router_fixture : ::testing::Test {
  router_fixture() {
    cfg.default_registry = "https://registry.example";
    cfg.registries = {{"127.0.0.1:5000", "http://127.0.0.1:5000/"}, {"mirror.local", "https://mirror.local:8443"}};
  }
  proxy_route route(std::string_view method, std::string_view target, std::string_view registry = "",
                    std::string_view use_p2p = "") {
    proxy_router router(cfg);
    return router.route({method, target, registry, use_p2p});
  }
  config::proxy_section cfg;
};

TEST_F(router_fixture, blob_gets_go_p2p_with_their_digest_and_ns_picks_the_upstream) {
  const auto r = route("GET", "/v2/library/app/blobs/" + blob + "?ns=127.0.0.1%3A5000");
  EXPECT_EQ(r.what, proxy_route::action::p2p);
  EXPECT_EQ(r.digest, blob);
  EXPECT_EQ(r.upstream, "http://127.0.0.1:5000/v2/library/app/blobs/" + blob);
}

TEST_F(router_fixture, manifests_heads_and_pings_pass_through) {
  EXPECT_EQ(route("GET", "/v2/app/manifests/v1?ns=mirror.local").what, proxy_route::action::pass);
  EXPECT_EQ(route("GET", "/v2/app/manifests/v1?ns=mirror.local").upstream, "https://mirror.local:8443/v2/app/manifests/v1");
  EXPECT_EQ(route("HEAD", "/v2/app/blobs/" + blob).what, proxy_route::action::pass);
  const auto ping = route("GET", "/v2/");
  EXPECT_EQ(ping.what, proxy_route::action::pass);
  EXPECT_EQ(ping.upstream, "https://registry.example/v2/");
}

TEST_F(router_fixture, upstream_order_is_ns_then_header_then_default) {
  EXPECT_EQ(route("GET", "/v2/", "127.0.0.1:5000").upstream, "http://127.0.0.1:5000/v2/");
  EXPECT_EQ(route("GET", "/v2/?ns=mirror.local", "127.0.0.1:5000").upstream, "https://mirror.local:8443/v2/");
  EXPECT_EQ(route("GET", "/v2/", "http://other:9000").upstream, "http://other:9000/v2/");
  EXPECT_EQ(route("GET", "/v2/?ns=unlisted.example:7000").upstream, "https://unlisted.example:7000/v2/");
  EXPECT_EQ(route("GET", "/v2/?ns=docker.io").upstream, "https://registry-1.docker.io/v2/");
}

TEST_F(router_fixture, other_query_parameters_survive_and_ns_is_removed) {
  const auto r = route("GET", "/v2/app/tags/list?n=10&ns=mirror.local&last=b");
  EXPECT_EQ(r.upstream, "https://mirror.local:8443/v2/app/tags/list?n=10&last=b");
}

TEST_F(router_fixture, use_p2p_header_forces_either_way) {
  EXPECT_EQ(route("GET", "/v2/app/blobs/" + blob, "", "false").what, proxy_route::action::pass);
  EXPECT_EQ(route("GET", "/v2/app/manifests/v1", "", "true").what, proxy_route::action::p2p);
  EXPECT_EQ(route("POST", "/v2/app/blobs/uploads/", "", "true").what, proxy_route::action::pass);
}

TEST_F(router_fixture, proxy_mode_uses_the_rules) {
  const auto b = route("GET", "http://files.example/v2/x/blobs/" + blob);
  EXPECT_EQ(b.what, proxy_route::action::p2p);
  EXPECT_EQ(b.digest, blob);
  EXPECT_EQ(b.upstream, "http://files.example/v2/x/blobs/" + blob);
  EXPECT_EQ(route("GET", "http://files.example/index.html").what, proxy_route::action::pass);
  cfg.p2p_rules = {"\\.iso$"};
  EXPECT_EQ(route("GET", "http://files.example/os.iso").what, proxy_route::action::p2p);
  EXPECT_EQ(route("GET", "http://files.example/os.iso").digest, "");
}

TEST_F(router_fixture, malformed_targets_are_rejected) {
  EXPECT_EQ(route("GET", "*").what, proxy_route::action::reject);
  EXPECT_EQ(route("GET", "http://").what, proxy_route::action::reject);
  EXPECT_EQ(route("GET", "/v2/?ns=bad%20host").what, proxy_route::action::reject);
}

TEST(query_params, decode_and_remove) {
  EXPECT_EQ(query_param("/x?a=1&ns=h%3A5000&b", "ns"), "h:5000");
  EXPECT_EQ(query_param("/x?a=1", "ns"), "");
  EXPECT_EQ(query_param("/x?ns=%zz", "ns"), "%zz");
  EXPECT_EQ(without_query_param("/x?ns=h", "ns"), "/x");
  EXPECT_EQ(without_query_param("/x?a=1&ns=h&b=2", "ns"), "/x?a=1&b=2");
  EXPECT_EQ(without_query_param("/x", "ns"), "/x");
}

}  // namespace
}  // namespace df::daemon
