#include "net/local_protocol.hpp"
#include "net/scheduler_protocol.hpp"

#include <gtest/gtest.h>

#include <random>

namespace df::net {
namespace {

const std::string tid(64, 'a');

std::vector<proto::message> every_scheduler_message() {
  proto::host_info host{"h-1", "h", "10.0.0.1", 65002, "idc1", "cn|hz|r1", true, 30000000};
  return {
      proto::hello{proto::protocol_version, host},
      proto::keepalive{},
      proto::register_peer{tid, "p1", "http://o/f", {{"Authorization", "Bearer x"}}, "tag", "app", {"Expires"}, true, false},
      proto::task_meta{tid, "p1", 123, 4194304},
      proto::piece_done{tid, "p1", 7, std::string(64, 'b')},
      proto::peer_done{tid, "p1"},
      proto::peer_failed{tid, "p1", "origin returned 404", 404},
      proto::parent_failed{tid, "p1", "p2", "digest mismatch"},
      proto::leave_peer{tid, "p1"},
      proto::seed_task{tid, "http://o/f", {{"X-A", "1"}}, "", "", {}},
      proto::task_info{tid, "p1", -1, 4194304},
      proto::parents{tid, "p1", {proto::parent_info{"p2", "h-2", "10.0.0.2", 65002, false, {0, 3}}}, {"", "d1"}},
      proto::have{tid, "p1", "p2", {proto::piece_entry{3, "d3"}}},
      proto::back_to_source{tid, "p1", "no seed"},
      proto::task_failed{tid, "p1", "origin returned 500", 500},
  };
}

TEST(scheduler_protocol, every_message_round_trips) {
  const auto all = every_scheduler_message();
  ASSERT_EQ(all.size(), std::variant_size_v<proto::message>);  // one sample per message type
  for (const auto& m : all) {
    const std::string text = proto::encode(m);
    auto back = proto::decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back->index(), m.index()) << text;
    EXPECT_EQ(proto::encode(*back), text);
  }
}

TEST(scheduler_protocol, malformed_input_is_an_error) {
  for (const std::string bad : {"", "not json", "[]", "{}", R"({"type":"nope"})", R"({"type":5})",
                                R"({"type":"peer_done","task_id":"x"})",                       // missing field
                                R"({"type":"piece_done","task_id":1,"peer_id":"p","piece":0,"digest":""})",
                                R"({"type":"peer_done","task_id":"../../etc/passwd","peer_id":"p"})"}) {
    auto r = proto::decode(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error(), errc::malformed_message) << bad;
    }
  }
  auto v = proto::decode(R"({"type":"hello","version":99,"host":{"host_id":"h","hostname":"h","ip":"i","upload_port":1,"idc":"","location":"","seed":false,"upload_rate_limit":0}})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), errc::unsupported_version);
}

TEST(scheduler_protocol, truncated_and_mutated_messages_never_crash) {
  std::mt19937 rng(42);
  for (const auto& m : every_scheduler_message()) {
    const std::string text = proto::encode(m);
    for (std::size_t cut = 0; cut < text.size(); ++cut) EXPECT_FALSE(proto::decode(text.substr(0, cut)));
    for (int i = 0; i < 200; ++i) {
      std::string mutated = text;
      mutated[rng() % mutated.size()] = static_cast<char>(rng() % 256);
      (void)proto::decode(mutated);  // any outcome but a crash is fine
    }
  }
}

TEST(local_protocol, every_message_round_trips) {
  const std::vector<local::message> all{
      local::download_request{1, "http://o/f", {{"A", "b"}}, "t", "app", {"x"}, true, false, 1000, true},
      local::download_started{tid, 10},
      local::progress{1, 2, 3, 4, 5},
      local::notice{"scheduler unreachable"},
      local::download_done{tid, 10, local::progress{1, 2, 3, 4, 10}, true, "/var/lib/dragonfly/tasks/x/data"},
      local::download_error{"origin", "origin returned 404", 404},
  };
  ASSERT_EQ(all.size(), std::variant_size_v<local::message>);
  for (const auto& m : all) {
    const std::string text = local::encode(m);
    auto back = local::decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(back->index(), m.index());
    EXPECT_EQ(local::encode(*back), text);
  }
}

TEST(local_protocol, fields_added_later_may_be_missing) {
  // What a client or daemon from before `link` and `cache_path` sends.
  auto req = local::decode(R"({"type":"download_request","version":1,"url":"u","headers":{},"tag":"","application":"","filters":[],"disable_back_to_source":false,"pass_fd":true,"rate_limit":0})");
  ASSERT_TRUE(req);
  EXPECT_FALSE(std::get<local::download_request>(*req).link);
  auto done = local::decode(R"({"type":"download_done","task_id":"t","content_length":3,"sources":{"from_peers":0,"from_seed":0,"from_origin":3,"from_cache":0,"delivered":3},"back_to_source":true})");
  ASSERT_TRUE(done);
  EXPECT_EQ(std::get<local::download_done>(*done).cache_path, "");
}

TEST(local_protocol, malformed_input_is_an_error) {
  for (const std::string bad : {"", "{", R"({"type":"download_request"})", R"({"type":"progress","from_peers":"x"})"})
    EXPECT_FALSE(local::decode(bad)) << bad;
  auto v = local::decode(R"({"type":"download_request","version":2,"url":"u","headers":{},"tag":"","application":"","filters":[],"disable_back_to_source":false,"pass_fd":false,"rate_limit":0})");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), errc::unsupported_version);
}

}  // namespace
}  // namespace df::net
