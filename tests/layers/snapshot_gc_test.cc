#include "layers/snapshot_gc.h"

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "snapshot_testing.h"
#include "layers/chain_id.h"
#include "layers/layer_builder.h"
#include "layers/store.h"
#include "layers/store_fsck.h"
#include "layers/store_prune.h"
#include "util/dir.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeDir;
using testing::WriteFile;

// Images "app" (base + app) and "other" (base + other), sharing their base.
class SnapshotGcTest : public testing::RootTest {
 protected:
  void SetUp() override {
    testing::RootTest::SetUp();
    BuiltLayer base = Layer("base", 3);
    app_ = testing::PutImage(store_, {base, Layer("app", 1)});
    other_ = testing::PutImage(store_, {base, Layer("other", 2)});
  }

  BuiltLayer Layer(const std::string& name, int files) {
    std::string dir = temp_.path() + "/" + name;
    MakeDir(dir);
    for (int i = 0; i < files; ++i) WriteFile(dir + "/" + name + std::to_string(i), name);
    return BuildDirectoryLayer(store_, dir);
  }

  // Ensures `image` under a lease that ends right away.
  SnapshotStack EnsureUnleased(const testing::StoredImage& image) {
    SnapshotLease lease = snapshots_.NewLease();
    return snapshots_.Ensure(image.manifest, image.config, lease);
  }

  bool Complete(const Digest& chain) const {
    return snapshots_.Inspect(chain).kind == SnapshotState::Kind::kComplete;
  }

  TempDir temp_{"snapshot-gc-"};
  Store store_{temp_.path() + "/store"};
  Snapshots snapshots_{store_};
  std::optional<testing::StoredImage> app_, other_;
};

TEST_F(SnapshotGcTest, PruneRemovesUnreferencedSnapshotsAndKeepsReferencedOnes) {
  store_.Tag("app", app_->descriptor);
  store_.Tag("other", other_->descriptor);
  SnapshotStack app = EnsureUnleased(*app_);
  SnapshotStack other = EnsureUnleased(*other_);
  ASSERT_TRUE(store_.Untag("other"));
  FsckReport fsck = Fsck(store_);
  std::vector<FsckIssue> orphans = fsck.Of(FsckIssue::Kind::kOrphanSnapshot);
  ASSERT_EQ(orphans.size(), 1u) << fsck.Summary();
  EXPECT_EQ(orphans[0].subject, other.lower_dirs[0]);
  EXPECT_TRUE(fsck.consistent()) << "an orphan snapshot is waste, not damage";

  PruneReport report = Prune(store_);
  EXPECT_EQ(report.removed_snapshots,
            std::vector<std::string>{snapshots_.DirOf(other.chain_ids[1])});
  EXPECT_NE(report.Summary().find("1 snapshot and"), std::string::npos) << report.Summary();
  EXPECT_FALSE(Complete(other.chain_ids[1]));
  EXPECT_TRUE(Complete(app.chain_ids[0])) << "the base is shared with app";
  EXPECT_TRUE(Complete(app.chain_ids[1]));
  EXPECT_TRUE(ListDirectorySorted(snapshots_.work_root()).empty());
  fsck = Fsck(store_);
  EXPECT_TRUE(fsck.issues.empty()) << fsck.Summary();
}

TEST_F(SnapshotGcTest, DryRunRemovesNothing) {
  SnapshotStack app = EnsureUnleased(*app_);
  PruneReport report = Prune(store_, {.dry_run = true});
  EXPECT_EQ(report.removed_snapshots.size(), 2u);
  EXPECT_NE(report.Summary().find("would remove"), std::string::npos);
  EXPECT_TRUE(Complete(app.chain_ids[0]));
  EXPECT_TRUE(Complete(app.chain_ids[1]));
}

TEST_F(SnapshotGcTest, LeaseProtectsSnapshotsUntilItEnds) {
  std::vector<Digest> chain = ChainIds(app_->config.diff_ids);
  {
    SnapshotLease lease = snapshots_.NewLease();
    snapshots_.Ensure(app_->manifest, app_->config, lease);
    // Untagged and unreferenced: only the lease keeps them.
    PruneReport report = Prune(store_);
    EXPECT_TRUE(report.removed_snapshots.empty());
    EXPECT_TRUE(Complete(chain[0]) && Complete(chain[1]));
    EXPECT_TRUE(Fsck(store_).Of(FsckIssue::Kind::kOrphanSnapshot).empty());
  }
  PruneReport report = Prune(store_);
  EXPECT_EQ(report.removed_snapshots.size(), 2u);
  EXPECT_FALSE(Complete(chain[0]) || Complete(chain[1]));
  EXPECT_TRUE(ListDirectorySorted(snapshots_.leases_dir()).empty());
}

TEST_F(SnapshotGcTest, KilledLeaseholdersLeaseExpires) {
  store_.Tag("app", app_->descriptor);  // Keeps the shared base snapshot.
  store_.Tag("other", other_->descriptor);
  std::vector<Digest> chain = ChainIds(other_->config.diff_ids);
  testing::ReadySignal ready;
  testing::Child holder([&] {
    Snapshots snapshots(store_);
    SnapshotLease lease = snapshots.NewLease();
    snapshots.Ensure(other_->manifest, other_->config, lease);
    ready.Signal();
    pause();
  });
  ASSERT_TRUE(ready.Wait());
  ASSERT_TRUE(store_.Untag("other"));
  EXPECT_TRUE(Prune(store_).removed_snapshots.empty()) << "the live lease holds them";
  ASSERT_TRUE(Complete(chain[1]));

  holder.Kill();
  FsckReport fsck = Fsck(store_);
  std::vector<FsckIssue> stale = fsck.Of(FsckIssue::Kind::kStaleTempFile);
  ASSERT_EQ(stale.size(), 1u) << fsck.Summary();
  EXPECT_NE(stale[0].detail.find("lease of a build that died"), std::string::npos);
  EXPECT_EQ(fsck.Of(FsckIssue::Kind::kOrphanSnapshot).size(), 1u) << "the base is app's too";

  PruneReport report = Prune(store_);
  EXPECT_EQ(report.removed_snapshots, std::vector<std::string>{snapshots_.DirOf(chain[1])});
  EXPECT_EQ(report.removed_temp_files, std::vector<std::string>{stale[0].subject});
  EXPECT_TRUE(Complete(chain[0]));
  EXPECT_FALSE(Complete(chain[1]));
  EXPECT_TRUE(ListDirectorySorted(snapshots_.leases_dir()).empty());
}

TEST_F(SnapshotGcTest, PruneRacingEnsureNeverRemovesALeasedSnapshot) {
  // Nothing is tagged: only leases keep snapshots, and the grace period
  // keeps the (fresh) blobs so that Ensure can extract them again.
  testing::Child pruner([&] {
    while (true) {
      Prune(store_, {.grace_period = std::chrono::hours(1)});
      usleep(500);  // flock is not fair: let Ensure take the store lock
    }
  });
  for (int round = 0; round < 40; ++round) {
    SnapshotLease lease = snapshots_.NewLease();
    SnapshotStack stack = snapshots_.Ensure(app_->manifest, app_->config, lease);
    usleep(2000);  // several prunes run meanwhile
    for (const Digest& chain : stack.chain_ids) {
      ASSERT_TRUE(Complete(chain)) << "round " << round;
    }
  }
  ASSERT_TRUE(pruner.Running()) << "the pruner failed";
  pruner.Kill();
}

}  // namespace
}  // namespace imgbuild::layers
