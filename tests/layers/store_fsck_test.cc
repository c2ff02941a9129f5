#include "layers/store_fsck.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "layers/store.h"
#include "tests/layers/store_testing.h"
#include "util/atomic_file.h"
#include "util/human_size.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using Kind = FsckIssue::Kind;

class StoreFsckTest : public ::testing::Test {
 protected:
  void SetUp() override { store_.Tag("app", app_.manifest); }

  // The single issue of `kind`, failing the test if there is not exactly one.
  FsckIssue Only(const FsckReport& report, Kind kind) {
    std::vector<FsckIssue> issues = report.Of(kind);
    EXPECT_EQ(issues.size(), 1u) << report.Summary();
    return issues.empty() ? FsckIssue{kind, "", ""} : issues[0];
  }

  TempDir dir_;
  Store store_{dir_.path()};
  store_testing::TestImage app_ = store_testing::PutSyntheticImage(store_, "app");
};

TEST_F(StoreFsckTest, CleanStoreIsConsistent) {
  FsckReport report = Fsck(store_);
  EXPECT_TRUE(report.consistent());
  EXPECT_TRUE(report.issues.empty()) << report.Summary();
  EXPECT_EQ(report.blobs_checked, 4);
  EXPECT_EQ(report.images, 1);
  EXPECT_EQ(report.Summary().substr(0, report.Summary().find(" verified")),
            "store " + store_.root() + ": 4 blobs (" + HumanSize(report.bytes_checked) + ")");
  EXPECT_NE(report.Summary().find("1 images; consistent"), std::string::npos) << report.Summary();
}

TEST_F(StoreFsckTest, FindsACorruptBlob) {
  Digest layer = app_.layers[0].digest;
  std::string bytes = ReadFileToString(store_.BlobPath(layer), 1 << 20);
  bytes[10] ^= 1;  // Same size, different content.
  WriteFileAtomically(store_.BlobPath(layer), bytes);
  FsckReport report = Fsck(store_);
  EXPECT_FALSE(report.consistent());
  FsckIssue issue = Only(report, Kind::kCorruptBlob);
  EXPECT_EQ(issue.subject, layer.ToString());
  EXPECT_EQ(issue.detail, "content hashes to " + DigestOf(bytes).ToString());
  EXPECT_EQ(report.issues.size(), 1u) << report.Summary();
  EXPECT_NE(report.Summary().find("1 problem\n  corrupt blob " + layer.ToString()),
            std::string::npos)
      << report.Summary();
}

TEST_F(StoreFsckTest, ACorruptManifestIsReportedOnce) {
  WriteFileAtomically(store_.BlobPath(app_.manifest.digest), std::string(app_.manifest.size, ' '));
  FsckReport report = Fsck(store_);
  Only(report, Kind::kCorruptBlob);
  EXPECT_TRUE(report.Of(Kind::kInvalidContent).empty()) << report.Summary();
}

TEST_F(StoreFsckTest, FindsAMissingReferencedBlob) {
  Digest config = app_.config.digest;
  std::filesystem::remove(store_.BlobPath(config));
  FsckReport report = Fsck(store_);
  EXPECT_FALSE(report.consistent());
  FsckIssue issue = Only(report, Kind::kMissingBlob);
  EXPECT_EQ(issue.subject, config.ToString());
  EXPECT_NE(issue.detail.find("config of manifest " + app_.manifest.digest.ToString()),
            std::string::npos)
      << issue.detail;
}

TEST_F(StoreFsckTest, FindsOrphansAndStaleTempFilesAsCleanable) {
  Digest orphan = store_.PutBlob("orphan");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    BlobWriter writer = store_.NewBlob();
    _exit(0);  // Dies with its temp file in place.
  }
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  BlobWriter live = store_.NewBlob();  // Not stale: its writer is alive.
  FsckReport report = Fsck(store_);
  EXPECT_TRUE(report.consistent()) << report.Summary();
  EXPECT_EQ(Only(report, Kind::kOrphanBlob).subject, orphan.ToString());
  FsckIssue stale = Only(report, Kind::kStaleTempFile);
  EXPECT_TRUE(stale.cleanable());
  EXPECT_EQ(stale.subject.rfind(store_.TempFilesDir() + "/", 0), 0u) << stale.subject;
  EXPECT_NE(report.Summary().find("consistent, 2 cleanable"), std::string::npos)
      << report.Summary();
}

TEST_F(StoreFsckTest, FindsSizeMismatchesAndInvalidContent) {
  Manifest manifest = store_.ReadManifest(app_.manifest);
  manifest.layers[1].size += 5;
  Descriptor lying = store_.PutManifest(manifest);
  Descriptor not_json = DescribeBytes(media_types::kOciManifest, "not json");
  store_.PutBlob("not json");
  Index index = store_.ReadIndexJson();
  index.manifests.push_back(lying);
  index.manifests.push_back(not_json);
  WriteFileAtomically(store_.IndexPath(), Serialize(index));

  FsckReport report = Fsck(store_);
  FsckIssue size = Only(report, Kind::kSizeMismatch);
  EXPECT_EQ(size.subject, manifest.layers[1].digest.ToString());
  FsckIssue invalid = Only(report, Kind::kInvalidContent);
  EXPECT_EQ(invalid.subject, not_json.digest.ToString());
  EXPECT_NE(invalid.detail.find("invalid JSON"), std::string::npos) << invalid.detail;
}

TEST_F(StoreFsckTest, FindsABrokenIndexJsonAndStrayFiles) {
  store_testing::WriteTextFile(store_.root() + "/blobs/sha256/not-a-digest", "x");
  store_testing::WriteTextFile(store_.root() + "/blobs/md5/abc", "x");
  WriteFileAtomically(store_.IndexPath(), "{\"schemaVersion\":2,\"manifests\":[{}]}");
  FsckReport report = Fsck(store_);
  FsckIssue layout = Only(report, Kind::kBadLayout);
  EXPECT_EQ(layout.subject, store_.IndexPath());
  EXPECT_NE(layout.detail.find("field \"manifests[0].mediaType\""), std::string::npos)
      << layout.detail;
  EXPECT_EQ(report.Of(Kind::kStrayFile).size(), 2u) << report.Summary();
  EXPECT_TRUE(report.Of(Kind::kOrphanBlob).empty())
      << "without index.json nothing is known to be orphaned";
}

TEST_F(StoreFsckTest, FindsDuplicateNamesAndABadLayoutFile) {
  Index index = store_.ReadIndexJson();
  index.manifests.push_back(index.manifests[0]);
  WriteFileAtomically(store_.IndexPath(), Serialize(index));
  WriteFileAtomically(store_.root() + "/oci-layout", "{}");
  FsckReport report = Fsck(store_);
  std::vector<FsckIssue> layout = report.Of(Kind::kBadLayout);
  ASSERT_EQ(layout.size(), 2u) << report.Summary();
  EXPECT_NE(layout[0].detail.find("imageLayoutVersion"), std::string::npos) << layout[0].detail;
  EXPECT_EQ(layout[1].detail, "2 entries are named \"app:latest\"");
}

}  // namespace
}  // namespace imgbuild::layers
