#include "core/digest.hpp"
#include "core/ids.hpp"
#include "storage/task_store.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace df::storage {
namespace {

std::vector<std::byte> bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

const std::string task = compute_task_id({"http://origin/file", "", "", {}});

TEST(task_store, the_cache_is_not_readable_by_other_users) {
  test::temp_dir dir;
  std::filesystem::create_directories(dir.path() / "tasks");
  std::filesystem::permissions(dir.path() / "tasks", std::filesystem::perms::all);  // as an older release left it
  ASSERT_TRUE(task_store::open(dir.path()));
  const auto perms = std::filesystem::status(dir.path() / "tasks").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  EXPECT_EQ(perms & std::filesystem::perms::owner_all, std::filesystem::perms::owner_all);
}

TEST(task_file, verified_write_accepts_only_matching_bytes) {
  test::temp_dir dir;
  auto store = task_store::open(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->prepare(task));
  auto file = store->open_file(task);
  ASSERT_TRUE(file);
  const auto good = bytes("hello piece");
  const std::string digest = sha256_hex(good);
  EXPECT_TRUE(file->write_verified(0, good, digest));
  auto bad = good;
  bad[0] = std::byte{'j'};
  const auto r = file->write_verified(0, bad, digest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::piece_digest_mismatch);
  auto back = file->read(0, good.size());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, good);  // the rejected write left the stored bytes alone
  EXPECT_FALSE(file->read(0, good.size() + 1));  // reading past the end is an error
}

TEST(task_file, matches_re_verifies_stored_bytes_from_disk) {
  test::temp_dir dir;
  auto store = task_store::open(dir.path());
  ASSERT_TRUE(store->prepare(task));
  auto file = store->open_file(task);
  ASSERT_TRUE(file);
  const auto piece = bytes("stored piece");
  const std::string digest = sha256_hex(piece);
  ASSERT_TRUE(file->write_verified(4, piece, digest));
  EXPECT_TRUE(file->matches(4, piece.size(), digest));
  // Altered on disk behind the daemon's back: no longer matches.
  {
    std::fstream f(store->data_path(task), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.put('X');
  }
  EXPECT_FALSE(file->matches(4, piece.size(), digest));
  EXPECT_FALSE(file->matches(4, piece.size() + 100, digest));  // past the end: unreadable
  EXPECT_FALSE(file->matches(0, 0, ""));                       // no digest to check against
}

TEST(task_file, write_new_returns_the_digest) {
  test::temp_dir dir;
  auto store = task_store::open(dir.path());
  ASSERT_TRUE(store->prepare(task));
  auto file = store->open_file(task);
  const auto data = bytes("abc");
  auto digest = file->write_new(10, data);
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, sha256_hex(std::string_view("abc")));
  EXPECT_EQ(*file->read(10, 3), data);
}

task_metadata sample() {
  task_metadata m;
  m.task_id = task;
  m.url = "http://origin/file";
  m.content_length = 10;
  m.piece_size = 4;
  m.piece_digests = {"a", "b", "c"};
  m.verified = bitfield(3);
  m.verified.set(piece_index(1));
  m.etag = "\"abc\"";
  m.last_modified = "Mon, 23 Nov 2026 00:00:00 GMT";
  return m;
}

TEST(task_metadata, round_trip) {
  const auto m = sample();
  auto back = decode_metadata(encode_metadata(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->task_id, m.task_id);
  EXPECT_EQ(back->content_length, 10u);
  EXPECT_EQ(back->piece_digests, m.piece_digests);
  EXPECT_TRUE(back->verified.has(piece_index(1)));
  EXPECT_FALSE(back->verified.has(piece_index(0)));
  EXPECT_FALSE(back->complete);
  EXPECT_EQ(back->etag, m.etag);  // the validators a resume sends as If-Range
  EXPECT_EQ(back->last_modified, m.last_modified);
  EXPECT_FALSE(back->public_content);
  auto open = sample();
  open.public_content = true;
  back = decode_metadata(encode_metadata(open));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->public_content);  // read from the origin without credentials: served unchecked
  EXPECT_FALSE(back->credentialed);
  auto private_one = sample();
  private_one.credentialed = true;
  back = decode_metadata(encode_metadata(private_one));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->credentialed);  // asked for with credentials: later local requesters are checked
}

TEST(task_metadata, malformed_or_inconsistent_is_rejected) {
  EXPECT_FALSE(decode_metadata(""));
  EXPECT_FALSE(decode_metadata("[]"));
  EXPECT_FALSE(decode_metadata("{\"version\":1}"));
  auto m = sample();
  m.task_id = "../../etc";
  EXPECT_FALSE(decode_metadata(encode_metadata(m)));
  m = sample();
  m.piece_digests.pop_back();  // count disagrees with the layout
  EXPECT_FALSE(decode_metadata(encode_metadata(m)));
  m = sample();
  m.complete = true;  // complete but not every piece verified
  EXPECT_FALSE(decode_metadata(encode_metadata(m)));
}

TEST(task_store, reload_finds_saved_tasks_and_drops_corrupt_ones) {
  test::temp_dir dir;
  const std::string other = compute_task_id({"http://origin/other", "", "", {}});
  {
    auto store = task_store::open(dir.path());
    ASSERT_TRUE(store->prepare(task));
    ASSERT_TRUE(store->save(sample()));
    ASSERT_TRUE(store->prepare(other));
    std::ofstream(dir.path() / "tasks" / other.substr(0, 3) / other / "meta.json") << "{not json";
  }
  auto store = task_store::open(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ(store->loaded_ids(), std::vector<std::string>{task});
  auto m = store->take(task);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->url, "http://origin/file");
  EXPECT_FALSE(store->take(task));  // handed over once
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "tasks" / other.substr(0, 3) / other));
}

TEST(task_store, a_discarded_task_is_never_saved) {
  test::temp_dir dir;
  auto store = task_store::open(dir.path());
  ASSERT_TRUE(store->prepare(task));
  std::atomic<bool> discarded{true};
  EXPECT_TRUE(store->save(sample(), &discarded));  // not an error, just nothing written
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "tasks" / task.substr(0, 3) / task / "meta.json"));
  discarded = false;
  EXPECT_TRUE(store->save(sample(), &discarded));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "tasks" / task.substr(0, 3) / task / "meta.json"));
}

TEST(task_store, rejects_ids_that_are_not_task_ids) {
  test::temp_dir dir;
  auto store = task_store::open(dir.path());
  EXPECT_FALSE(store->prepare("../escape"));
  EXPECT_FALSE(store->open_file("../escape"));
}

}  // namespace
}  // namespace df::storage
