#include "net/local_protocol.hpp"
#include "net/scheduler_protocol.hpp"

#include <gtest/gtest.h>

#include <random>

#include "support/fields.hpp"

namespace df::net {
namespace {

// A task ID and a digest as they appear in the golden texts below.
#define TID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

// Field paths (see test::compare_fields) joined for a failure message.
std::string joined(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += p + " ";
  return out;
}

// One message with every field set and its exact text on the wire (keys in sorted order).
template <class Message>
struct golden {
  Message message;
  std::string text;
};

// Each sample encodes to exactly its text, and the text decodes to exactly the sample.
template <class Message, class Encode, class Decode>
void expect_golden(const std::vector<golden<Message>>& all, Encode encode, Decode decode) {
  ASSERT_EQ(all.size(), std::variant_size_v<Message>);  // one sample per message type
  for (std::size_t i = 0; i < all.size(); ++i) {
    // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
    const auto& m = all[i].message;
    const auto& text = all[i].text;
    EXPECT_EQ(m.index(), i) << text;  // in the variant's order, so none is missed
    std::visit(
        [&](const auto& v) {
          // Every field differs from its default, so that a field dropped by both sides shows;
          // `version` (field 0 where it exists) has one legal value, its default.
          auto unset = test::fields_at_default(v);
          if constexpr (requires { v.version; }) std::erase(unset, ".0");
          EXPECT_TRUE(unset.empty()) << "fields left at their default: " << joined(unset) << "in " << text;
        },
        m);
    EXPECT_EQ(encode(m), text);
    const auto back = decode(text);
    ASSERT_TRUE(back) << text;
    ASSERT_EQ(back->index(), m.index()) << text;
    std::visit(
        [&](const auto& v) {
          const auto diff = test::compare_fields(std::get<std::decay_t<decltype(v)>>(*back), v);
          EXPECT_TRUE(diff.differ.empty()) << "fields decoded wrong: " << joined(diff.differ) << "from " << text;
        },
        m);
  }
}

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
      proto::parent_failed{tid, "p1", "p2", "digest mismatch", {4}},
      proto::leave_peer{tid, "p1"},
      proto::seed_task{tid, "http://o/f", {{"X-A", "1"}}, "", "", {}},
      proto::task_info{tid, "p1", -1, 4194304},
      proto::parents{tid, "p1", {proto::parent_info{"p2", "h-2", "10.0.0.2", 65002, false, {0, 3}}}, {"", "d1"}},
      proto::have{tid, "p1", "p2", {proto::piece_entry{3, "d3"}}},
      proto::back_to_source{tid, "p1", "no seed"},
      proto::task_failed{tid, "p1", "origin returned 500", 500},
      proto::digests{tid, "p1", 16384, {"d16384", ""}},
      proto::reverify{tid, "p1", {3, 9}},
      proto::reverified{tid, "p1", {3}, {9}},
      proto::preheat{tid, "http://o/f", {{"X-A", "1"}}, "tag", "app", {"Expires"}},
      proto::delete_task{tid},
      proto::preheat_done{tid, 123, 45, "peers", ""},
      proto::task_deleted{tid, true, ""},
      proto::job_request{7, "preheat", {"http://o/f"}, "", {}, "", "", {}, "all_peers", 4, 60000, "t"},
      proto::job_result{7, {proto::job_host{"h", "10.0.0.1", "http://o/f", 123, 45, "peers", ""}}, ""},
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

TEST(scheduler_protocol, every_message_has_this_exact_text) {
  using namespace proto;
  const std::vector<golden<message>> all{
      {hello{1, {"h-1", "h", "10.0.0.1", 65002, "idc1", "cn|hz|r1", true, 30000000, {"reverify"}}},
       R"({"host":{"features":["reverify"],"host_id":"h-1","hostname":"h","idc":"idc1","ip":"10.0.0.1",)"
       R"("location":"cn|hz|r1","seed":true,"upload_port":65002,"upload_rate_limit":30000000},"type":"hello",)"
       R"("version":1})"},
      {keepalive{}, R"({"type":"keepalive"})"},
      {register_peer{TID, "p1", "http://o/f", {{"Authorization", "Bearer x"}}, "tag", "app", {"Expires"}, true, true, SHA},
       R"({"application":"app","complete":true,"digest":")" SHA R"(","filters":["Expires"],)"
       R"("headers":{"Authorization":"Bearer x"},"peer_id":"p1","source":true,"tag":"tag","task_id":")" TID
       R"(","type":"register_peer","url":"http://o/f"})"},
      {task_meta{TID, "p1", 123, 4194304, "PEM"},
       R"({"content_length":123,"peer_id":"p1","piece_size":4194304,"signer":"PEM","task_id":")" TID R"(","type":"task_meta"})"},
      {piece_done{TID, "p1", 7, "d7"},
       R"({"digest":"d7","peer_id":"p1","piece":7,"task_id":")" TID R"(","type":"piece_done"})"},
      {peer_done{TID, "p1", 30, 12},
       R"({"bytes_from_origin":12,"bytes_from_peers":30,"peer_id":"p1","task_id":")" TID R"(","type":"peer_done"})"},
      {peer_failed{TID, "p1", "content digest mismatch", 200, "digest", 5, 3},
       R"({"bytes_from_origin":3,"bytes_from_peers":5,"error_type":"digest","message":"content digest mismatch",)"
       R"("origin_status":200,"peer_id":"p1","task_id":")" TID R"(","type":"peer_failed"})"},
      {parent_failed{TID, "p1", "p2", "piece 4 failed verification", {4}},
       R"({"parent_peer_id":"p2","peer_id":"p1","pieces":[4],"reason":"piece 4 failed verification","task_id":")" TID
       R"(","type":"parent_failed"})"},
      {leave_peer{TID, "p1"}, R"({"peer_id":"p1","task_id":")" TID R"(","type":"leave_peer"})"},
      {seed_task{TID, "http://o/f", {{"X-A", "1"}}, "tag", "app", {"Expires"}, SHA},
       R"({"application":"app","digest":")" SHA R"(","filters":["Expires"],"headers":{"X-A":"1"},"tag":"tag",)"
       R"("task_id":")" TID R"(","type":"seed_task","url":"http://o/f"})"},
      {task_info{TID, "p1", 123, 4194304, "PEM"},
       R"({"content_length":123,"peer_id":"p1","piece_size":4194304,"signer":"PEM","task_id":")" TID R"(","type":"task_info"})"},
      {parents{TID, "p1", {parent_info{"p2", "h-2", "10.0.0.2", 65002, true, {1, 3}, "a0"}}, {"d0", "d1"}},
       R"({"digests":["d0","d1"],"parents":[{"held":"a0","host_id":"h-2","ip":"10.0.0.2","peer_id":"p2","pieces":[1,3],)"
       R"("seed":true,"upload_port":65002}],"peer_id":"p1","task_id":")" TID R"(","type":"parents"})"},
      {have{TID, "p1", "p2", {piece_entry{3, "d3"}}},
       R"({"parent_peer_id":"p2","peer_id":"p1","pieces":[{"digest":"d3","piece":3}],"task_id":")" TID
       R"(","type":"have"})"},
      {back_to_source{TID, "p1", "no seed"},
       R"({"peer_id":"p1","reason":"no seed","task_id":")" TID R"(","type":"back_to_source"})"},
      {task_failed{TID, "p1", "origin returned 500", 500, "origin"},
       R"({"error_type":"origin","message":"origin returned 500","origin_status":500,"peer_id":"p1",)"
       R"("task_id":")" TID R"(","type":"task_failed"})"},
      {digests{TID, "p1", 16384, {"d16384", "d16385"}},
       R"({"digests":["d16384","d16385"],"first":16384,"peer_id":"p1","task_id":")" TID R"(","type":"digests"})"},
      {reverify{TID, "p1", {3, 9}}, R"({"peer_id":"p1","pieces":[3,9],"task_id":")" TID R"(","type":"reverify"})"},
      {reverified{TID, "p1", {3}, {9}},
       R"({"dropped":[3],"peer_id":"p1","task_id":")" TID R"(","type":"reverified","verified":[9]})"},
      {preheat{TID, "http://o/f", {{"X-A", "1"}}, "tag", "app", {"Expires"}},
       R"({"application":"app","filters":["Expires"],"headers":{"X-A":"1"},"tag":"tag","task_id":")" TID
       R"(","type":"preheat","url":"http://o/f"})"},
      {delete_task{TID}, R"({"task_id":")" TID R"(","type":"delete_task"})"},
      {preheat_done{TID, 123, 45, "origin", "origin: 404"},
       R"({"bytes":123,"duration_ms":45,"error":"origin: 404","source":"origin","task_id":")" TID
       R"(","type":"preheat_done"})"},
      {task_deleted{TID, true, "in use"}, R"({"error":"in use","held":true,"task_id":")" TID R"(","type":"task_deleted"})"},
      {job_request{7, "get_task", {"http://o/f"}, TID, {{"X-A", "1"}}, "tag", "app", {"Expires"}, "all_peers", 4, 60000,
                   "t"},
       R"({"application":"app","concurrent_count":4,"filters":["Expires"],"headers":{"X-A":"1"},"job":"get_task",)"
       R"("job_id":7,"scope":"all_peers","tag":"tag","task_id":")" TID R"(","timeout_ms":60000,"token":"t",)"
       R"("type":"job_request","urls":["http://o/f"]})"},
      {job_result{7, {job_host{"h", "10.0.0.1", "http://o/f", 123, 45, "cache", "timed out"}}, "none"},
       R"({"error":"none","hosts":[{"bytes":123,"duration_ms":45,"error":"timed out","hostname":"h","ip":"10.0.0.1",)"
       R"("source":"cache","url":"http://o/f"}],"job_id":7,"type":"job_result"})"},
  };
  expect_golden(all, [](const message& m) { return encode(m); }, [](std::string_view t) { return decode(t); });
}

TEST(scheduler_protocol, fields_added_later_may_be_missing) {
  // What a daemon or scheduler from before `digest` and `error_type` sends.
  auto reg = proto::decode(R"({"type":"register_peer","task_id":")" TID R"(","peer_id":"p","url":"u","headers":{},)"
                           R"("tag":"","application":"","filters":[],"source":false,"complete":false})");
  ASSERT_TRUE(reg);
  EXPECT_EQ(std::get<proto::register_peer>(*reg).digest, "");
  auto failed = proto::decode(R"({"type":"task_failed","task_id":")" TID R"(","peer_id":"p","message":"m",)"
                              R"("origin_status":404})");
  ASSERT_TRUE(failed);
  EXPECT_EQ(std::get<proto::task_failed>(*failed).origin_status, 404);
  EXPECT_EQ(std::get<proto::task_failed>(*failed).error_type, "");
  // ... and from before `features` and parent_failed's `pieces`.
  auto hello = proto::decode(R"({"type":"hello","version":1,"host":{"host_id":"h","hostname":"h","ip":"i",)"
                             R"("upload_port":1,"idc":"","location":"","seed":false,"upload_rate_limit":0}})");
  ASSERT_TRUE(hello);
  EXPECT_FALSE(proto::has_feature(std::get<proto::hello>(*hello).host, proto::feature_reverify));
  auto report = proto::decode(R"({"type":"parent_failed","task_id":")" TID R"(","peer_id":"p","parent_peer_id":"q",)"
                              R"("reason":"r"})");
  ASSERT_TRUE(report);
  EXPECT_TRUE(std::get<proto::parent_failed>(*report).pieces.empty());
  // ... and from before peer_done's and peer_failed's byte counts.
  auto done = proto::decode(R"({"type":"peer_done","task_id":")" TID R"(","peer_id":"p"})");
  ASSERT_TRUE(done);
  EXPECT_EQ(std::get<proto::peer_done>(*done).bytes_from_peers, 0u);
  EXPECT_EQ(std::get<proto::peer_done>(*done).bytes_from_origin, 0u);
  auto gave_up = proto::decode(R"({"type":"peer_failed","task_id":")" TID R"(","peer_id":"p","message":"m"})");
  ASSERT_TRUE(gave_up);
  EXPECT_EQ(std::get<proto::peer_failed>(*gave_up).bytes_from_peers, 0u);
}

TEST(scheduler_protocol, a_message_type_from_a_newer_version_is_told_apart_from_garbage) {
  const std::string newer = R"({"type":"from_the_future","task_id":")" TID R"("})";
  EXPECT_FALSE(proto::decode(newer));
  EXPECT_TRUE(proto::is_unknown_type(newer));  // skipped by the daemon, not a broken connection
  for (const std::string bad : {"", "not json", "[]", "{}", R"({"type":5})",
                                R"({"type":"reverify","task_id":")" TID R"(","peer_id":"p"})"})
    EXPECT_FALSE(proto::is_unknown_type(bad)) << bad;
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

TEST(local_protocol, every_message_has_this_exact_text) {
  using namespace local;
  const std::vector<golden<message>> all{
      {download_request{1, "http://o/f", {{"A", "b"}}, "t", "app", {"x"}, true, true, 1000, true},
       R"({"application":"app","disable_back_to_source":true,"filters":["x"],"headers":{"A":"b"},"link":true,)"
       R"("pass_fd":true,"rate_limit":1000,"tag":"t","type":"download_request","url":"http://o/f","version":1})"},
      {download_started{TID, 10}, R"({"content_length":10,"task_id":")" TID R"(","type":"download_started"})"},
      {progress{1, 2, 3, 4, 5},
       R"({"delivered":5,"from_cache":4,"from_origin":3,"from_peers":1,"from_seed":2,"type":"progress"})"},
      {notice{"scheduler unreachable"}, R"({"message":"scheduler unreachable","type":"notice"})"},
      {download_done{TID, 10, progress{1, 2, 3, 4, 10}, true, "/var/lib/dragonfly/tasks/x/data"},
       R"({"back_to_source":true,"cache_path":"/var/lib/dragonfly/tasks/x/data","content_length":10,)"
       R"("sources":{"delivered":10,"from_cache":4,"from_origin":3,"from_peers":1,"from_seed":2},)"
       R"("task_id":")" TID R"(","type":"download_done"})"},
      {download_error{"origin", "origin returned 404", 404},
       R"({"error_type":"origin","message":"origin returned 404","origin_status":404,"type":"download_error"})"},
  };
  expect_golden(all, [](const message& m) { return encode(m); }, [](std::string_view t) { return decode(t); });
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
