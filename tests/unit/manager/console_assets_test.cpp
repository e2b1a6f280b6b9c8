#include "manager/console_assets.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace df::manager {
namespace {

namespace fs = std::filesystem;

TEST(console_assets, the_api_paths_are_never_the_consoles) {
  EXPECT_TRUE(is_console_path("/"));
  EXPECT_TRUE(is_console_path("/index.html"));
  EXPECT_TRUE(is_console_path("/clusters/3"));
  EXPECT_TRUE(is_console_path("/apis"));  // only /api itself and below
  EXPECT_FALSE(is_console_path("/api"));
  EXPECT_FALSE(is_console_path("/api/v1/users/me"));
  EXPECT_FALSE(is_console_path("/oapi/v1/jobs"));
  EXPECT_FALSE(is_console_path("/healthy"));
  EXPECT_FALSE(is_console_path("/metrics"));
  EXPECT_FALSE(is_console_path("relative"));
}

TEST(console_assets, request_paths_become_plain_relative_names_or_nothing) {
  EXPECT_EQ(console_relative_path("/"), "");
  EXPECT_EQ(console_relative_path("/index.html"), "index.html");
  EXPECT_EQ(console_relative_path("/assets/index-3fa9.js"), "assets/index-3fa9.js");
  EXPECT_EQ(console_relative_path("/a%20b"), "a b");
  for (const auto* bad : {"/..", "/../etc/passwd", "/assets/../../x", "/%2e%2e/x", "/%2E%2e%2fetc", "/./index.html",
                          "/a//b", "/a/", "/a%00b", "/a\\..\\b", "/%5c", "/%", "/%4", "/%zz", "no-slash"})
    EXPECT_EQ(console_relative_path(bad), std::nullopt) << bad;
  EXPECT_EQ(console_relative_path("/" + std::string(1024, 'a')), std::nullopt);
}

TEST(console_assets, content_types_come_from_the_extension) {
  EXPECT_EQ(console_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(console_content_type("index-3fa9.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(console_content_type("index-3fa9.css"), "text/css; charset=utf-8");
  EXPECT_EQ(console_content_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(console_content_type("README"), "application/octet-stream");
}

// A console directory with index.html, a hashed asset, and symlinks in and out of it.
class console_dir : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("df-console-" + std::to_string(std::random_device{}()));
    fs::create_directories(base_ / "dist" / "assets");
    write(base_ / "dist" / "index.html", "<html></html>");
    write(base_ / "dist" / "assets" / "app-1a2b.js", "export{}");
    write(base_ / "dist" / "favicon.svg", "<svg/>");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "dist" / "leak.txt");
    fs::create_symlink(base_ / "dist" / "favicon.svg", base_ / "dist" / "alias.svg");
    assets_.emplace(base_ / "dist");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  fs::path base_;
  std::optional<console_assets> assets_;
};

TEST_F(console_dir, files_are_served_with_their_caching) {
  const auto asset = assets_->lookup("/assets/app-1a2b.js");
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->file, assets_->root() / "assets" / "app-1a2b.js");
  EXPECT_EQ(asset->cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(asset->content_type, "text/javascript; charset=utf-8");
  const auto root = assets_->lookup("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->file.filename(), "index.html");
  EXPECT_EQ(root->cache_control, "no-cache");
  const auto icon = assets_->lookup("/favicon.svg");
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->cache_control, "no-cache");
}

TEST_F(console_dir, app_routes_fall_back_to_the_index_but_missing_assets_do_not) {
  const auto route = assets_->lookup("/jobs/42");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->file.filename(), "index.html");
  EXPECT_EQ(route->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(assets_->lookup("/assets/gone-0000.js"));
  EXPECT_FALSE(assets_->lookup("/assets"));  // a directory is not a file, and it is under assets
}

TEST_F(console_dir, nothing_outside_the_directory_is_reachable) {
  EXPECT_FALSE(assets_->lookup("/../secret.txt"));
  EXPECT_FALSE(assets_->lookup("/%2e%2e/secret.txt"));
  const auto leak = assets_->lookup("/leak.txt");  // a symlink out: treated as no file
  ASSERT_TRUE(leak);
  EXPECT_EQ(leak->file.filename(), "index.html");
  const auto alias = assets_->lookup("/alias.svg");  // a symlink within is fine
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->file.filename(), "favicon.svg");
}

TEST(console_assets, a_missing_directory_is_refused_at_construction) {
  EXPECT_THROW(console_assets("/nonexistent/df-console"), fs::filesystem_error);
}

}  // namespace
}  // namespace df::manager
