// StatCache: digests come from the cache exactly when lstat says nothing
// changed, survive Save/Load, and a damaged cache file costs only re-reads.
#include "builder/stat_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "layers/digest.h"
#include "tests/layers/layer_test_util.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using layers::testing::SetMtime;
using layers::testing::WriteFile;

constexpr time_t kPast = 1600000000;  // long before the racy window

struct stat Lstat(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) FailErrno("lstat " + path);
  return st;
}

class StatCacheTest : public ::testing::Test {
 protected:
  std::string File(const std::string& name, const std::string& content, time_t mtime = kPast) {
    std::string path = dir_.path() + "/" + name;
    WriteFile(path, content);
    SetMtime(path, mtime, 123456789);
    return path;
  }
  TempDir dir_{"imgbuild-statcache-"};
  std::string cache_file_ = dir_.path() + "/statcache";
};

TEST_F(StatCacheTest, DigestIsTheFileContentDigest) {
  StatCache cache;
  std::string path = File("a", "hello");
  EXPECT_EQ(cache.FileDigest(path, Lstat(path)), layers::DigestOf("hello"));
  EXPECT_EQ(cache.files_read(), 1u);
}

TEST_F(StatCacheTest, UnchangedFileIsNotReadAgain) {
  StatCache cache;
  std::string path = File("a", "hello");
  cache.FileDigest(path, Lstat(path));
  EXPECT_EQ(cache.FileDigest(path, Lstat(path)), layers::DigestOf("hello"));
  EXPECT_EQ(cache.files_read(), 1u);
}

TEST_F(StatCacheTest, ChangedStatFieldsMeanARead) {
  StatCache cache;
  std::string path = File("a", "hello");
  cache.FileDigest(path, Lstat(path));
  SetMtime(path, kPast + 1, 0);
  cache.FileDigest(path, Lstat(path));
  EXPECT_EQ(cache.files_read(), 2u) << "a new mtime";
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  cache.FileDigest(path, Lstat(path));
  EXPECT_EQ(cache.files_read(), 3u) << "a new mode";
  // Same size, mtime restored (tar x, cp -p): only the ctime shows the rewrite.
  struct stat before = Lstat(path);
  usleep(20000);  // past the kernel's coarse timestamp granularity, so the ctime moves
  WriteFile(path, "jello", 0600);
  SetMtime(path, before.st_mtim.tv_sec, before.st_mtim.tv_nsec);
  EXPECT_EQ(cache.FileDigest(path, Lstat(path)), layers::DigestOf("jello"));
  EXPECT_EQ(cache.files_read(), 4u);
}

TEST_F(StatCacheTest, SaveAndLoadKeepDigests) {
  std::string a = File("a", "alpha");
  std::string b = File("b", "beta");
  {
    StatCache cache = StatCache::Load(cache_file_);  // missing: empty
    cache.FileDigest(a, Lstat(a));
    cache.FileDigest(b, Lstat(b));
    cache.Save(cache_file_);
  }
  StatCache cache = StatCache::Load(cache_file_);
  EXPECT_EQ(cache.FileDigest(a, Lstat(a)), layers::DigestOf("alpha"));
  EXPECT_EQ(cache.FileDigest(b, Lstat(b)), layers::DigestOf("beta"));
  EXPECT_EQ(cache.files_read(), 0u);
}

TEST_F(StatCacheTest, SaveDropsEntriesNotLookedAt) {
  std::string a = File("a", "alpha");
  std::string b = File("b", "beta");
  StatCache first;
  first.FileDigest(a, Lstat(a));
  first.FileDigest(b, Lstat(b));
  first.Save(cache_file_);
  StatCache second = StatCache::Load(cache_file_);
  second.FileDigest(a, Lstat(a));
  second.Save(cache_file_);
  StatCache third = StatCache::Load(cache_file_);
  third.FileDigest(a, Lstat(a));
  third.FileDigest(b, Lstat(b));
  EXPECT_EQ(third.files_read(), 1u);  // only b, dropped by the second save
}

TEST_F(StatCacheTest, RecentFilesAreUsedButNotSaved) {
  std::string fresh = File("fresh", "new", time(nullptr));
  StatCache cache;
  cache.FileDigest(fresh, Lstat(fresh));
  cache.FileDigest(fresh, Lstat(fresh));
  EXPECT_EQ(cache.files_read(), 1u);
  cache.Save(cache_file_);
  StatCache loaded = StatCache::Load(cache_file_);
  loaded.FileDigest(fresh, Lstat(fresh));
  EXPECT_EQ(loaded.files_read(), 1u) << "a file modified within the timestamp granularity of "
                                        "its hashing must not be trusted by a later build";
}

TEST_F(StatCacheTest, DamagedCacheFileIsIgnored) {
  std::string a = File("a", "alpha");
  StatCache cache;
  cache.FileDigest(a, Lstat(a));
  cache.Save(cache_file_);
  std::string bytes = layers::testing::ReadFile(cache_file_);
  ASSERT_GT(bytes.size(), 40u);
  bytes[bytes.size() / 2] ^= 0x01;
  WriteFile(cache_file_, bytes);
  StatCache flipped = StatCache::Load(cache_file_);
  EXPECT_EQ(flipped.FileDigest(a, Lstat(a)), layers::DigestOf("alpha"));
  EXPECT_EQ(flipped.files_read(), 1u);
  WriteFile(cache_file_, bytes.substr(0, bytes.size() - 7));
  StatCache truncated = StatCache::Load(cache_file_);
  truncated.FileDigest(a, Lstat(a));
  EXPECT_EQ(truncated.files_read(), 1u);
  WriteFile(cache_file_, "not a cache");
  EXPECT_NO_THROW(StatCache::Load(cache_file_));
}

TEST_F(StatCacheTest, UnreadableFileThrowsNamingIt) {
  StatCache cache;
  std::string path = dir_.path() + "/missing";
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  try {
    cache.FileDigest(path, st);
    FAIL() << "a missing file was hashed";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
}

TEST_F(StatCacheTest, ConcurrentLookupsAgree) {
  std::vector<std::string> paths;
  for (int i = 0; i < 64; ++i) paths.push_back(File("f" + std::to_string(i), std::to_string(i)));
  StatCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 64; ++i) {
        if (cache.FileDigest(paths[i], Lstat(paths[i])) != layers::DigestOf(std::to_string(i))) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(cache.files_read(), 64u);
  EXPECT_LE(cache.files_read(), 256u);
  size_t before = cache.files_read();
  for (const std::string& path : paths) cache.FileDigest(path, Lstat(path));
  EXPECT_EQ(cache.files_read(), before);
}

}  // namespace
}  // namespace imgbuild::builder
