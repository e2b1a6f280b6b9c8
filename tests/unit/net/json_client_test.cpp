// The manager client against a real in-process HTTP(S) server: failover, the token, the size
// bound, and TLS checked against the cluster CA with the manager role required.
#include "net/json_client.hpp"
#include "net/http_server.hpp"
#include "net/tls_identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace df::net {
namespace {

using namespace std::chrono_literals;

/// A server on an ephemeral loopback port: /ok echoes the bearer token and the body, /big answers
/// over 1 MiB, /fail answers 503.
struct server {
  explicit server(asio::io_context& io)
      : http(io.get_executor(), [](const http_request& r, response_writer& w) -> awaitable<void> {
          // (Bodies built before the co_await: no temporaries inside it under GCC 12.)
          const std::string big((1 << 20) + 10, ' '), echo = r.header("Authorization") + "|" + r.body;
          if (r.target == "/big") co_await write_simple(w, 200, "application/json", big);
          else if (r.target == "/fail") co_await write_simple(w, 503, "application/json", "{}");
          else co_await write_simple(w, 200, "application/json", echo);
        }) {
    port = *http.listen("127.0.0.1", 0);
    http.start();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  http_server http;
  std::uint16_t port = 0;
};

/// Runs one request to completion.
result<json_reply> call(asio::io_context& io, json_client& client, const std::string& target,
                        const std::string& body) {
  result<json_reply> out = make_error_code(errc::timeout);
  bool done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    const std::string post = "POST";
    out = co_await client.request(post, target, body);
    done = true;
  }, asio::detached);
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  return out;
}

/// A port nothing listens on (bound, then closed).
std::uint16_t dead_port(asio::io_context& io) {
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

TEST(json_client, a_token_over_plain_http_to_a_non_loopback_manager_is_flagged) {
  json_client_options o;
  o.addresses = {"127.0.0.1:65003", "[::1]:65003", "localhost:65003", "10.0.0.5:65003", "manager.example:65003"};
  EXPECT_TRUE(token_in_clear_to(o).empty());  // no token: nothing to expose
  o.token = "t";
  EXPECT_EQ(token_in_clear_to(o), (std::vector<std::string>{"10.0.0.5:65003", "manager.example:65003"}));
}

TEST(json_client, the_first_address_that_answers_is_used_and_remembered) {
  asio::io_context io;
  server up(io);
  json_client_options o;
  o.addresses = {"127.0.0.1:" + std::to_string(dead_port(io)), up.address()};
  o.token = "secret-token";
  json_client client(o);
  auto r = call(io, client, "/ok", R"({"a":1})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"(Bearer secret-token|{"a":1})");
  EXPECT_EQ(r->address, up.address());
  // A 5xx is skipped for the next address; with none answering better it is the answer.
  r = call(io, client, "/fail", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  up.http.stop();
}

TEST(json_client, an_answer_over_the_bound_is_an_error_and_no_token_means_no_header) {
  asio::io_context io;
  server up(io);
  json_client client({{up.address()}, "", 5s, 1 << 20, nullptr});
  auto r = call(io, client, "/big", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::out_of_bounds);
  r = call(io, client, "/ok", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "|");
  json_client nowhere({{"not-an-address"}, "", 5s, 1 << 20, nullptr});
  EXPECT_FALSE(call(io, nowhere, "/ok", ""));
  up.http.stop();
}

class json_client_tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("df-json-client-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    const std::string d = dir_.string();
    for (const auto& args : {"ca " + d, "issue " + d + " manager m1", "issue " + d + " peer p1",
                             "issue " + d + " scheduler s1"}) {
      const std::string command = std::string(DF_SOURCE_DIR) + "/scripts/certs.sh " + args + " >/dev/null";
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::shared_ptr<tls_identity> identity(const std::string& base) {
    security_settings s;
    s.mode = security_mode::mtls;
    s.ca_file = (dir_ / "ca.pem").string();
    s.cert_file = (dir_ / (base + ".pem")).string();
    s.key_file = (dir_ / (base + "-key.pem")).string();
    std::string why;
    auto loaded = tls_identity::load(s, why);
    EXPECT_TRUE(loaded) << why;
    return loaded ? *loaded : nullptr;
  }
  std::filesystem::path dir_;
};

TEST_F(json_client_tls, the_manager_is_reached_over_mtls_and_must_hold_a_manager_certificate) {
  asio::io_context io;
  auto peer = identity("peer-p1");
  for (const auto& [server_cert, expect_ok] : {std::pair{"manager-m1", true}, {"scheduler-s1", false}}) {
    auto own = identity(server_cert);
    ASSERT_TRUE(own && peer);
    server up(io);
    std::string client_seen;
    up.http.use_tls(own->server(), [&](ssl_st* ssl, const std::string&) {
      auto id = peer_identity(ssl);
      client_seen = id ? id->uri() : "";
      return id.has_value();
    }, 5s);
    json_client client({{up.address()}, "", 5s, 1 << 20, peer});
    auto r = call(io, client, "/ok", "{}");
    EXPECT_EQ(r.has_value(), expect_ok) << server_cert;
    if (expect_ok) {
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(client_seen, "spiffe://dragonfly/peer/p1");  // our certificate was presented
    } else {
      EXPECT_EQ(r.error(), errc::not_permitted);
    }
    up.http.stop();
  }
}

}  // namespace
}  // namespace df::net
