#include "layers/store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/layers/store_testing.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

namespace fs = std::filesystem;

std::string Read(const std::string& path) {
  return ReadFileToString(path, 64 << 20);
}

std::string RandomBytes(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return bytes;
}

// Writes `bytes` through `writer` in chunks of varying size, some larger
// than the writer's buffer.
void WriteInChunks(BlobWriter& writer, const std::string& bytes, unsigned seed) {
  std::mt19937 random(seed);
  size_t offset = 0;
  while (offset < bytes.size()) {
    size_t chunk =
        std::min<size_t>(bytes.size() - offset, random() % 2 ? random() % 700 : random() % 400000);
    writer.Write(bytes.data() + offset, chunk);
    offset += chunk;
  }
}

void ExpectErrorContains(const std::function<void()>& action,
                         const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one containing " << parts.front();
  } catch (const Error& e) {
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  }
}

TEST(StoreTest, CreatesAnOciLayout) {
  TempDir dir;
  Store store(dir.path() + "/root/");
  EXPECT_EQ(store.root(), dir.path() + "/root");
  EXPECT_EQ(Read(store.root() + "/oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_EQ(Read(store.IndexPath()),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",)"
            R"("manifests":[]})");
  EXPECT_TRUE(fs::is_directory(store.root() + "/blobs/sha256"));
  EXPECT_TRUE(fs::is_directory(store.TempFilesDir()));
  EXPECT_TRUE(fs::is_empty(store.TempFilesDir()));
  Store again(store.root());  // Reopening changes nothing.
  EXPECT_TRUE(again.List().empty());
}

TEST(StoreTest, AdoptsAnExistingLayoutAndRejectsOtherVersions) {
  TempDir dir;
  store_testing::WriteTextFile(dir.path() + "/a/oci-layout", R"({"imageLayoutVersion": "1.0.0"})");
  store_testing::WriteTextFile(dir.path() + "/a/index.json",
                               R"({"schemaVersion": 2, "manifests": []})");
  Store adopted(dir.path() + "/a");
  EXPECT_EQ(Read(dir.path() + "/a/index.json"), R"({"schemaVersion": 2, "manifests": []})");
  EXPECT_TRUE(fs::is_directory(adopted.TempFilesDir()));

  store_testing::WriteTextFile(dir.path() + "/b/oci-layout", R"({"imageLayoutVersion":"2.0.0"})");
  ExpectErrorContains(
      [&] { Store store(dir.path() + "/b"); },
      {dir.path() + "/b/oci-layout", "imageLayoutVersion \"2.0.0\" is not supported"});
}

TEST(StoreTest, FailsClearlyWhenTheRootCannotBeCreated) {
  TempDir dir;
  store_testing::WriteTextFile(dir.path() + "/file", "x");
  ExpectErrorContains([&] { Store store(dir.path() + "/file/root"); },
                      {"create store directory", "/file/root"});
}

TEST(StoreRootTest, FollowsFlagEnvironmentAndUid) {
  StoreRootEnvironment env{.imgbuild_root = "/env/root", .uid = 1000, .home = "/home/u"};
  EXPECT_EQ(ResolveStoreRoot("/flag/root", env), "/flag/root");
  EXPECT_EQ(ResolveStoreRoot("", env), "/env/root");
  env.imgbuild_root = "";
  EXPECT_EQ(ResolveStoreRoot("", env), "/home/u/.local/share/imgbuild");
  env.uid = 0;
  EXPECT_EQ(ResolveStoreRoot("", env), "/var/lib/imgbuild");
  EXPECT_EQ(ResolveStoreRoot("rel/dir/", env), (fs::current_path() / "rel/dir").string());
  env.uid = 1000;
  env.home = "";
  ExpectErrorContains([&] { ResolveStoreRoot("", env); }, {"pass --root or set IMGBUILD_ROOT"});
}

TEST(StoreTest, PutsAndReadsBlobs) {
  TempDir dir;
  Store store(dir.path());
  Digest digest = store.PutBlob("hello");
  EXPECT_EQ(digest, DigestOf("hello"));
  EXPECT_EQ(store.BlobPath(digest), dir.path() + "/blobs/sha256/" + digest.hex());
  EXPECT_TRUE(store.HasBlob(digest));
  EXPECT_EQ(store.BlobSize(digest), 5);
  EXPECT_EQ(store.ReadBlob(digest), "hello");
  UniqueFd fd = store.OpenBlob(digest);
  char buffer[16];
  EXPECT_EQ(ReadSome(fd.get(), buffer, sizeof buffer, "blob"), 5u);
  EXPECT_EQ(fs::status(store.BlobPath(digest)).permissions(),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
  EXPECT_TRUE(fs::is_empty(store.TempFilesDir()));

  Digest missing = DigestOf("absent");
  EXPECT_FALSE(store.HasBlob(missing));
  ExpectErrorContains([&] { store.BlobSize(missing); },
                      {"blob " + missing.ToString() + " not found in store"});
  ExpectErrorContains([&] { store.OpenBlob(missing); }, {missing.ToString(), "not found"});
}

TEST(StoreTest, StreamsLargeBlobsInChunks) {
  TempDir dir;
  Store store(dir.path());
  std::string bytes = RandomBytes(3 << 20, 1);
  BlobWriter writer = store.NewBlob();
  WriteInChunks(writer, bytes, 2);
  EXPECT_EQ(writer.size(), static_cast<int64_t>(bytes.size()));
  Digest digest = writer.Commit(DigestOf(bytes), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(digest, DigestOf(bytes));
  EXPECT_EQ(DigestOfFile(store.BlobPath(digest)), digest);
}

TEST(StoreTest, WritesSha512Blobs) {
  TempDir dir;
  Store store(dir.path());
  BlobWriter writer = store.NewBlob(DigestAlgorithm::kSha512);
  writer.Write("abc", 3);
  Digest digest = writer.Commit();
  EXPECT_EQ(digest.algorithm(), DigestAlgorithm::kSha512);
  EXPECT_EQ(store.BlobPath(digest), dir.path() + "/blobs/sha512/" + digest.hex());
  EXPECT_EQ(store.ReadBlob(digest), "abc");
}

TEST(StoreTest, MismatchKeepsNothingAndNamesBothDigests) {
  TempDir dir;
  Store store(dir.path());
  Digest expected = DigestOf("expected");
  BlobWriter writer = store.NewBlob();
  writer.Write("actual", 6);
  ExpectErrorContains([&] { writer.Commit(expected); },
                      {"expected " + expected.ToString(), "got " + DigestOf("actual").ToString(),
                       "nothing was stored"});
  EXPECT_FALSE(store.HasBlob(expected));
  EXPECT_FALSE(store.HasBlob(DigestOf("actual")));
  EXPECT_TRUE(fs::is_empty(store.TempFilesDir()));
  ExpectErrorContains([&] { writer.Write("x", 1); }, {"already committed or failed"});

  BlobWriter sized = store.NewBlob();
  sized.Write("abc", 3);
  ExpectErrorContains([&] { sized.Commit(std::nullopt, 4); }, {"(4 bytes)", "(3 bytes)"});
  EXPECT_FALSE(store.HasBlob(DigestOf("abc")));
}

TEST(StoreTest, AbandonedAndCommittedWritersLeaveNoTempFiles) {
  TempDir dir;
  Store store(dir.path());
  {
    BlobWriter writer = store.NewBlob();
    writer.Write("partial", 7);
    writer.Close();
    EXPECT_EQ(store.ListTempFiles().size(), 1u);
  }
  EXPECT_TRUE(store.ListTempFiles().empty());
  EXPECT_FALSE(store.HasBlob(DigestOf("partial")));
  BlobWriter writer = store.NewBlob();
  writer.Commit();
  ExpectErrorContains([&] { writer.Commit(); },
                      {"commit a blob writer that was already committed"});
  EXPECT_TRUE(store.ListTempFiles().empty());
}

TEST(StoreTest, RewritingAStoredBlobKeepsTheCopyThere) {
  TempDir dir;
  Store store(dir.path());
  Digest digest = store.PutBlob("layer bytes");
  struct stat first {};
  ASSERT_EQ(stat(store.BlobPath(digest).c_str(), &first), 0);
  EXPECT_EQ(store.PutBlob("layer bytes"), digest);
  struct stat second {};
  ASSERT_EQ(stat(store.BlobPath(digest).c_str(), &second), 0);
  EXPECT_EQ(second.st_ino, first.st_ino) << "the stored copy must not be replaced";
  EXPECT_TRUE(store.ListTempFiles().empty());
  // A copy of the wrong size is not the blob: it is replaced.
  WriteFileAtomically(store.BlobPath(digest), "short");
  store.PutBlob("layer bytes");
  EXPECT_EQ(Read(store.BlobPath(digest)), "layer bytes");
}

TEST(StoreTest, ReadBlobDetectsCorruptionAndSizeMismatch) {
  TempDir dir;
  Store store(dir.path());
  Descriptor descriptor = DescribeBytes(media_types::kOciConfig, "{\"a\":1}");
  store.PutBlob("{\"a\":1}");
  descriptor.size = 3;
  ExpectErrorContains([&] { store.ReadBlob(descriptor); },
                      {"is 7 bytes but its descriptor says 3"});
  WriteFileAtomically(store.BlobPath(descriptor.digest), "{\"a\":2}");
  ExpectErrorContains(
      [&] { store.ReadBlob(descriptor.digest); },
      {descriptor.digest.ToString(), "is corrupt", DigestOf("{\"a\":2}").ToString()});
  descriptor.size = int64_t{1} << 40;
  ExpectErrorContains([&] { store.ReadBlob(descriptor); }, {"more than the"});
}

TEST(StoreTest, ReadsTypedDocumentsNamingTheirDigest) {
  TempDir dir;
  Store store(dir.path());
  store_testing::TestImage image = store_testing::PutSyntheticImage(store, "app");
  EXPECT_EQ(store.ReadManifest(image.manifest).layers, image.layers);
  EXPECT_EQ(store.ReadConfig(image.config).diff_ids.size(), 2u);
  Descriptor bogus = DescribeBytes(media_types::kOciManifest, "[]");
  store.PutBlob("[]");
  ExpectErrorContains([&] { store.ReadManifest(bogus); },
                      {"manifest " + bogus.digest.ToString(), "expected a JSON object"});
}

TEST(StoreTest, WritesMetadataOnlyUnderItsDirectory) {
  TempDir dir;
  Store store(dir.path());
  store.WriteMetadata(store.MetadataDir() + "/cache/record.json", "{}");
  EXPECT_EQ(Read(store.MetadataDir() + "/cache/record.json"), "{}");
  ExpectErrorContains([&] { store.WriteMetadata(store.root() + "/index.json", "{}"); },
                      {"refusing to write"});
  EXPECT_TRUE(store.ListTempFiles().empty());
}

TEST(StoreConcurrencyTest, ThreadsWritingTheSameBlob) {
  TempDir dir;
  Store store(dir.path());
  std::string bytes = RandomBytes(1 << 20, 7);
  std::vector<std::thread> threads;
  std::vector<std::string> errors(8);
  for (unsigned t = 0; t < errors.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int round = 0; round < 5; ++round) {
          BlobWriter writer = store.NewBlob();
          WriteInChunks(writer, bytes, t * 100 + round);
          writer.Commit(DigestOf(bytes));
        }
      } catch (const Error& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(DigestOfFile(store.BlobPath(DigestOf(bytes))), DigestOf(bytes));
  EXPECT_TRUE(store.ListTempFiles().empty());
}

// Runs `body` in `count` forked children; expects each to exit 0.
void RunInChildren(int count, const std::function<void(int)>& body) {
  std::vector<pid_t> children;
  for (int i = 0; i < count; ++i) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        body(i);
        _exit(0);
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", i, e.what());
        _exit(1);
      }
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
  }
}

TEST(StoreConcurrencyTest, ProcessesWritingTheSameBlob) {
  TempDir dir;
  Store store(dir.path());
  std::string bytes = RandomBytes(512 << 10, 9);
  RunInChildren(4, [&](int child) {
    Store own(dir.path());
    for (int round = 0; round < 10; ++round) {
      BlobWriter writer = own.NewBlob();
      WriteInChunks(writer, bytes, child * 100 + round);
      writer.Commit(DigestOf(bytes));
    }
  });
  EXPECT_EQ(DigestOfFile(store.BlobPath(DigestOf(bytes))), DigestOf(bytes));
  EXPECT_TRUE(store.ListTempFiles().empty());
}

TEST(StoreConcurrencyTest, ProcessesTaggingConcurrentlyLoseNoUpdate) {
  TempDir dir;
  Store store(dir.path());
  store_testing::TestImage image = store_testing::PutSyntheticImage(store, "shared");
  RunInChildren(4, [&](int child) {
    Store own(dir.path());
    for (int i = 0; i < 10; ++i) own.Tag(fmt::format("app{}:{}", child, i), image.manifest);
  });
  EXPECT_EQ(store.List().size(), 40u);
  for (int child = 0; child < 4; ++child) {
    EXPECT_EQ(store.Resolve(fmt::format("app{}:9", child)).digest, image.manifest.digest);
  }
}

}  // namespace
}  // namespace imgbuild::layers
