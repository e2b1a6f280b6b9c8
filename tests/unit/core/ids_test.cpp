#include "core/ids.hpp"
#include "core/url.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

std::string id(const std::string& url, const std::string& tag = "", const std::string& app = "",
               std::vector<std::string> filters = {}) {
  return compute_task_id({url, tag, app, std::move(filters)});
}

TEST(task_id, is_64_hex_and_stable) {
  const auto a = id("http://example.com/a.iso");
  EXPECT_TRUE(is_valid_task_id(a));
  EXPECT_EQ(a, id("http://example.com/a.iso"));
  EXPECT_NE(a, id("http://example.com/b.iso"));
}

TEST(task_id, golden_vectors_follow_the_documented_formula) {
  // sha256 of "<filtered url>\ntag:<len>:<tag>\napplication:<len>:<application>" (docs/protocol.md),
  // computed outside this code base; a change here orphans every cached task in the field.
  EXPECT_EQ(id("http://example.com/a.iso"), "15f6a4b6972ec627eb5b11c5a01a891291312e09d807426341212b9511966071");
  EXPECT_EQ(id("http://example.com/a.iso?X-Amz-Date=1&v=1&Signature=s#frag", "t", "app"),
            "13a0e4894d9543385dde836ba3bbca032afeca0046c24f1a07fec3c45b9f40a2");
}

TEST(task_id, signing_params_and_ns_are_ignored) {
  const auto base = id("http://example.com/a.iso?v=1");
  EXPECT_EQ(base, id("http://example.com/a.iso?v=1&Expires=123&Signature=abc"));
  EXPECT_EQ(base, id("http://example.com/a.iso?OSSAccessKeyId=k&v=1"));
  EXPECT_EQ(base, id("http://example.com/a.iso?v=1&X-Amz-Signature=s&x-amz-date=d"));
  EXPECT_EQ(base, id("http://example.com/a.iso?v=1&ns=docker.io"));
  // GCS, OBS, COS and OSS security tokens as Dragonfly filters them.
  EXPECT_EQ(base, id("http://example.com/a.iso?X-Goog-Algorithm=a&v=1&X-Goog-Signature=s&X-Goog-Date=d"));
  EXPECT_EQ(base, id("http://example.com/a.iso?AccessKeyId=k&v=1&Expires=1&Signature=s&X-Obs-Security-Token=t"));
  EXPECT_EQ(base, id("http://example.com/a.iso?q-sign-algorithm=sha1&q-ak=k&q-sign-time=1&q-key-time=1&"
                     "q-header-list=&q-url-param-list=&q-signature=s&x-cos-security-token=t&v=1"));
  EXPECT_EQ(base, id("http://example.com/a.iso?v=1&SecurityToken=t"));
  EXPECT_NE(base, id("http://example.com/a.iso?v=1&q-other=1"));
  EXPECT_NE(base, id("http://example.com/a.iso?v=2"));
}

TEST(task_id, user_filters_remove_named_params) {
  EXPECT_EQ(id("http://e.com/f?token=1&v=1", "", "", {"token"}), id("http://e.com/f?v=1"));
  EXPECT_NE(id("http://e.com/f?token=1&v=1"), id("http://e.com/f?v=1"));  // not filtered by default
  EXPECT_EQ(split_filter("a&b&&c"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(task_id, tag_and_application_make_distinct_tasks) {
  const auto plain = id("http://e.com/f");
  EXPECT_NE(plain, id("http://e.com/f", "t1"));
  EXPECT_NE(id("http://e.com/f", "t1"), id("http://e.com/f", "t2"));
  EXPECT_NE(plain, id("http://e.com/f", "", "app"));
  EXPECT_NE(id("http://e.com/f", "ab", ""), id("http://e.com/f", "a", "b"));  // fields cannot run together
}

TEST(task_id, validity_guard) {
  EXPECT_FALSE(is_valid_task_id("../../etc/passwd"));
  EXPECT_FALSE(is_valid_task_id(std::string(64, 'A')));
  EXPECT_FALSE(is_valid_task_id(std::string(63, 'a')));
}

TEST(ids, peer_ids_are_unique) {
  EXPECT_NE(new_peer_id("h"), new_peer_id("h"));
  EXPECT_EQ(make_host_id("h", 65002), "h-65002");
}

}  // namespace
}  // namespace df

namespace df {
namespace {

const std::string hex64(64, 'a');

TEST(job_task_id, a_registry_blob_is_its_content_task_as_the_mirror_makes_it) {
  const auto url = "http://127.0.0.1:5000/v2/apps/web/blobs/sha256:" + hex64;
  EXPECT_EQ(registry_blob_digest(url), "sha256:" + hex64);
  EXPECT_EQ(job_task_id({url, "", "", {}}), content_task_id("sha256:" + hex64));
  // The same blob in another repository or registry is the same task.
  EXPECT_EQ(job_task_id({"https://r.example/v2/x/y/z/blobs/sha256:" + hex64, "", "", {}}), job_task_id({url, "", "", {}}));
  // A tag, an application or a filter sets a task apart: then the URL decides, as for dfget.
  EXPECT_EQ(job_task_id({url, "t", "", {}}), compute_task_id({url, "t", "", {}}));
  EXPECT_EQ(job_task_id({url, "", "", {"x"}}), compute_task_id({url, "", "", {"x"}}));
}

TEST(job_task_id, other_urls_are_not_blobs) {
  for (const std::string& url : {"http://h/v2/apps/web/manifests/sha256:" + hex64, "http://h/files/blobs/sha256:" + hex64,
                                "http://h/v2/blobs/sha256:" + hex64, "http://h/v2/a/blobs/sha256:" + hex64 + "?x=1",
                                "http://h/v2/a/blobs/sha256:" + std::string(63, 'a'), "http://h/v2/a/blobs/sha256:" + std::string(64, 'A'),
                                "not a url /v2/a/blobs/sha256:" + hex64}) {
    EXPECT_EQ(registry_blob_digest(url), "") << url;
    EXPECT_EQ(job_task_id({url, "", "", {}}), compute_task_id({url, "", "", {}})) << url;
  }
}

}  // namespace
}  // namespace df
