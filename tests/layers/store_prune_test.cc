#include "layers/store_prune.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "layers/store.h"
#include "layers/store_fsck.h"
#include "tests/layers/store_testing.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

// Leaves a temporary file as a crashed writer would: the child dies
// without running destructors.
void LeaveStaleTempFile(const Store& store, const std::string& bytes) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    BlobWriter writer = store.NewBlob();
    writer.Write(bytes.data(), bytes.size());
    writer.Close();
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
}

class StorePruneTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Store store_{dir_.path()};
};

TEST_F(StorePruneTest, RemovesUnreferencedBlobsAndStaleTempFiles) {
  store_testing::TestImage app = store_testing::PutSyntheticImage(store_, "app");
  store_.Tag("app", app.manifest);
  Digest orphan = store_.PutBlob("orphan blob");
  LeaveStaleTempFile(store_, "half a blob");
  ASSERT_EQ(store_.ListTempFiles().size(), 1u);
  std::string stale = store_.ListTempFiles()[0];

  PruneReport report = Prune(store_);
  EXPECT_EQ(report.removed_blobs, std::vector<Digest>{orphan});
  EXPECT_EQ(report.removed_temp_files, std::vector<std::string>{stale});
  EXPECT_EQ(report.bytes_freed, 11 + 11);
  EXPECT_EQ(report.Summary(), "removed 1 blob and 1 temporary file, freed 22 B");
  EXPECT_FALSE(store_.HasBlob(orphan));
  EXPECT_TRUE(store_.ListTempFiles().empty());
  for (const Descriptor& kept : {app.manifest, app.config, app.layers[0], app.layers[1]}) {
    EXPECT_TRUE(store_.HasBlob(kept.digest)) << kept.digest.ToString();
  }
  FsckReport fsck = Fsck(store_);
  EXPECT_TRUE(fsck.issues.empty()) << fsck.Summary();
}

TEST_F(StorePruneTest, UntaggedImageGoesButSharedLayersStay) {
  store_testing::TestImage base = store_testing::PutSyntheticImage(store_, "base", 1);
  store_testing::TestImage app = store_testing::PutSyntheticImage(store_, "app", 1, base.layers);
  store_.Tag("base", base.manifest);
  store_.Tag("app", app.manifest);
  ASSERT_TRUE(store_.Untag("base"));
  PruneReport report = Prune(store_);
  EXPECT_EQ(report.removed_blobs.size(), 2u) << "base's manifest and config";
  EXPECT_FALSE(store_.HasBlob(base.manifest.digest));
  EXPECT_FALSE(store_.HasBlob(base.config.digest));
  EXPECT_TRUE(store_.HasBlob(base.layers[0].digest)) << "shared with app";
  EXPECT_TRUE(Fsck(store_).issues.empty());
}

TEST_F(StorePruneTest, FollowsNestedIndexes) {
  store_testing::TestImage amd = store_testing::PutSyntheticImage(store_, "amd");
  store_testing::TestImage arm = store_testing::PutSyntheticImage(store_, "arm");
  Index inner;
  inner.manifests = {arm.manifest};
  Descriptor inner_descriptor = store_.PutIndex(inner);
  Index outer;
  outer.manifests = {amd.manifest, inner_descriptor};
  store_.Tag("multi", store_.PutIndex(outer));
  PruneReport report = Prune(store_);
  EXPECT_TRUE(report.removed_blobs.empty()) << report.Summary();
  EXPECT_TRUE(store_.HasBlob(arm.layers[1].digest));
}

TEST_F(StorePruneTest, DryRunRemovesNothing) {
  Digest orphan = store_.PutBlob("orphan");
  PruneReport report = Prune(store_, {.dry_run = true});
  EXPECT_EQ(report.removed_blobs, std::vector<Digest>{orphan});
  EXPECT_EQ(report.Summary(), "would remove 1 blob and 0 temporary files, would free 6 B");
  EXPECT_TRUE(store_.HasBlob(orphan));
}

TEST_F(StorePruneTest, GracePeriodAndExtraRootsKeepBlobs) {
  Digest fresh = store_.PutBlob("fresh");
  EXPECT_TRUE(Prune(store_, {.grace_period = std::chrono::seconds(3600)}).removed_blobs.empty());
  EXPECT_TRUE(store_.HasBlob(fresh));

  store_testing::TestImage cached = store_testing::PutSyntheticImage(store_, "cached");
  PruneReport report = Prune(store_, {.extra_roots = {cached.manifest}});
  EXPECT_EQ(report.removed_blobs, std::vector<Digest>{fresh});
  EXPECT_TRUE(store_.HasBlob(cached.layers[0].digest));
}

TEST_F(StorePruneTest, UnnamedImagesGoOnlyWhenAskedAndOlderThanTheGrace) {
  store_testing::TestImage unnamed = store_testing::PutSyntheticImage(store_, "unnamed", 1);
  store_testing::TestImage named = store_testing::PutSyntheticImage(store_, "named", 1);
  store_.AddUnnamed(unnamed.manifest);
  store_.Tag("named", named.manifest);
  store_.AddUnnamed(named.manifest);  // its digest has a name: the entry is not added
  EXPECT_TRUE(Prune(store_).removed_blobs.empty());
  EXPECT_TRUE(Prune(store_, {.grace_period = std::chrono::seconds(3600), .unnamed_images = true})
                  .removed_images.empty());

  PruneReport dry = Prune(store_, {.dry_run = true, .unnamed_images = true});
  EXPECT_EQ(dry.removed_images, std::vector<Digest>{unnamed.manifest.digest});
  EXPECT_EQ(dry.removed_blobs.size(), 3u) << dry.Summary();
  EXPECT_EQ(store_.List().size(), 2u);
  EXPECT_TRUE(store_.HasBlob(unnamed.manifest.digest));

  PruneReport report = Prune(store_, {.unnamed_images = true});
  EXPECT_EQ(report.removed_images, std::vector<Digest>{unnamed.manifest.digest});
  EXPECT_THAT(report.Summary(), ::testing::StartsWith("removed 1 unnamed image, 3 blobs and"));
  std::vector<StoreImage> left = store_.List();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].name, "named:latest");
  for (const Descriptor& gone : {unnamed.manifest, unnamed.config, unnamed.layers[0]}) {
    EXPECT_FALSE(store_.HasBlob(gone.digest)) << gone.digest.ToString();
  }
  EXPECT_TRUE(store_.HasBlob(named.layers[0].digest));
  EXPECT_TRUE(Fsck(store_).issues.empty());
}

TEST_F(StorePruneTest, LiveWritersKeepTheirTempFiles) {
  BlobWriter writer = store_.NewBlob();
  writer.Write("in flight", 9);
  writer.Close();
  EXPECT_TRUE(Prune(store_).removed_temp_files.empty());
  EXPECT_EQ(writer.Commit(), DigestOf("in flight"));
}

TEST_F(StorePruneTest, RefusesWhenAReferencedManifestIsMissing) {
  store_testing::TestImage app = store_testing::PutSyntheticImage(store_, "app");
  store_.Tag("app", app.manifest);
  Digest orphan = store_.PutBlob("orphan");
  std::filesystem::remove(store_.BlobPath(app.manifest.digest));
  try {
    Prune(store_);
    ADD_FAILURE() << "pruned a store whose manifest is missing";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("nothing was removed"), std::string::npos) << message;
    EXPECT_NE(message.find(app.manifest.digest.ToString()), std::string::npos) << message;
    EXPECT_NE(message.find("image \"app:latest\""), std::string::npos) << message;
  }
  EXPECT_TRUE(store_.HasBlob(orphan));
  EXPECT_TRUE(store_.HasBlob(app.layers[0].digest));
}

}  // namespace
}  // namespace imgbuild::layers
