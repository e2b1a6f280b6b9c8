#include "core/url.hpp"

#include <gtest/gtest.h>

namespace df {
namespace {

TEST(url, parses_http_and_https) {
  auto u = parse_url("http://example.com:8080/a/b?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/a/b?x=1");
  EXPECT_EQ(u->host_header(), "example.com:8080");
  auto s = parse_url("HTTPS://user:pw@[::1]/x");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->port, 443);
  EXPECT_EQ(s->host_header(), "[::1]");
  EXPECT_EQ(parse_url("http://h?q=1")->target, "/?q=1");
  EXPECT_EQ(parse_url("http://h")->target, "/");
}

TEST(url, rejects_malformed) {
  for (const char* bad : {"", "example.com/a", "ftp://h/a", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
                          "http://h:12ab/", "http://[::1/", "http://a b/", "http://a:b:80/", "http://x]y/",
                          "http://h\xff/"})
    EXPECT_FALSE(parse_url(bad)) << bad;
}

TEST(url, filter_query_keeps_order_and_drops_filtered) {
  EXPECT_EQ(filter_query("http://h/p?b=2&Expires=1&a=1", {}), "http://h/p?b=2&a=1");
  EXPECT_EQ(filter_query("http://h/p?Expires=1", {}), "http://h/p");
  EXPECT_EQ(filter_query("http://h/p?tok=1&x=2", {"tok"}), "http://h/p?x=2");
  EXPECT_EQ(filter_query("http://h/p?my-1=a&my-2=b&z=1", {"my-*"}), "http://h/p?z=1");
  EXPECT_EQ(filter_query("http://h/p#frag", {}), "http://h/p");
}

TEST(url, userinfo_is_kept_apart_redacted_and_turned_into_basic_auth) {
  const auto u = parse_url("http://user:p%40ss@example.com:8080/f?x=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->userinfo, "user:p%40ss");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->to_string(), "http://example.com:8080/f?x=1");
  EXPECT_EQ(redact_url("http://user:p%40ss@example.com:8080/f?x=1"), "http://***@example.com:8080/f?x=1");
  EXPECT_EQ(redact_url("https://example.com/a@b"), "https://example.com/a@b");  // '@' in the path is not userinfo
  EXPECT_EQ(strip_userinfo("http://user:p%40ss@example.com:8080/f?x=1"), "http://example.com:8080/f?x=1");
  EXPECT_EQ(strip_userinfo("https://example.com/a@b"), "https://example.com/a@b");
  EXPECT_EQ(basic_auth_from_userinfo("user:p%40ss"), "Basic dXNlcjpwQHNz");    // user:p@ss
  EXPECT_EQ(basic_auth_from_userinfo(""), "");
}

}  // namespace
}  // namespace df
