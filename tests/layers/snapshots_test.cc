#include "layers/snapshots.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "rich_tree.h"
#include "snapshot_testing.h"
#include "tree_snapshot.h"
#include "layers/chain_id.h"
#include "layers/layer_builder.h"
#include "layers/store.h"
#include "layers/store_fsck.h"
#include "layers/store_prune.h"
#include "util/boot_id.h"
#include "util/dir.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeDir;
using testing::Snapshot;
using testing::WriteFile;

constexpr const char* kOverlayOptions = ",redirect_dir=off,metacopy=off,index=off";

struct stat StatOf(const std::string& path) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) FailErrno("stat " + path);
  return info;
}

bool Exists(const std::string& path) {
  struct stat info {};
  return lstat(path.c_str(), &info) == 0;
}

// A base layer from a directory and a second layer from a real overlay
// upper dir that deletes, replaces (opaque) and adds; `expected_` is the
// merged view the two make.
class SnapshotsTest : public testing::RootTest {
 protected:
  void SetUp() override {
    testing::RootTest::SetUp();
    MakeDir(base_);
    WriteFile(base_ + "/keep.txt", "untouched");
    MakeDir(base_ + "/a");
    WriteFile(base_ + "/a/file1", "deleted above");
    WriteFile(base_ + "/a/file2", "kept");
    MakeDir(base_ + "/dir1");
    WriteFile(base_ + "/dir1/x", "hidden by the opaque dir");
    MakeDir(base_ + "/dir1/sub");
    WriteFile(base_ + "/dir1/sub/y", "hidden too");
    WriteFile(base_ + "/mod.txt", "before");
    WriteFile(base_ + "/big", testing::PseudoRandom(3 << 20, 11));
    base_layer_ = BuildDirectoryLayer(store_, base_);
    top_layer_ = BuildOverlayUpperLayer(store_, ChangeInOverlay({base_}, [](const std::string& m) {
      ASSERT_EQ(unlink((m + "/a/file1").c_str()), 0);
      RemoveAll(m + "/dir1");
      MakeDir(m + "/dir1", 0700);
      WriteFile(m + "/dir1/new", "new in the replaced dir");
      WriteFile(m + "/newfile", "created", 0640);
      WriteFile(m + "/mod.txt", "after");
    }, &expected_));
    image_ = testing::PutImage(store_, {*base_layer_, *top_layer_});
  }

  // Mounts an overlay of `lowers` (top first) with a new upper dir, lets
  // `change` work on the merged view, records the view in `merged` and
  // returns the upper dir.
  std::string ChangeInOverlay(const std::vector<std::string>& lowers,
                              const std::function<void(const std::string&)>& change,
                              std::map<std::string, testing::Node>* merged,
                              std::string upper = "", std::string work = "") {
    std::string dir = temp_.path() + "/run" + std::to_string(++runs_);
    MakeDir(dir);
    if (upper.empty()) {
      upper = dir + "/upper";
      work = dir + "/work";
      MakeDir(upper);
      MakeDir(work);
    }
    MakeDir(dir + "/merged");
    testing::ScopedMount mount("overlay", dir + "/merged", "overlay",
                               testing::LowerDirOption(lowers) + ",upperdir=" + upper +
                                   ",workdir=" + work + kOverlayOptions);
    change(dir + "/merged");
    *merged = Snapshot(dir + "/merged");
    return upper;
  }

  // The tree a read-only overlay of `lowers` (top first) shows.
  std::map<std::string, testing::Node> View(const std::vector<std::string>& lowers) {
    std::string view = temp_.path() + "/view" + std::to_string(++runs_);
    MakeDir(view);
    // overlayfs needs two lower dirs for a mount without an upper dir.
    std::vector<std::string> stack = lowers;
    if (stack.size() == 1) {
      MakeDir(view + "-empty");
      stack.push_back(view + "-empty");
    }
    testing::ScopedMount mount("overlay", view, "overlay", testing::LowerDirOption(stack));
    return Snapshot(view);
  }

  std::vector<std::string> WorkDirs() const { return ListDirectorySorted(snapshots_.work_root()); }

  TempDir temp_{"snapshots-"};
  Store store_{temp_.path() + "/store"};
  Snapshots snapshots_{store_};
  std::string base_ = temp_.path() + "/base";
  std::optional<BuiltLayer> base_layer_, top_layer_;
  std::optional<testing::StoredImage> image_;
  std::map<std::string, testing::Node> expected_;
  int runs_ = 0;
};

TEST_F(SnapshotsTest, EnsuredStackMountedAsOverlayLowersIsTheImage) {
  SnapshotLease lease = snapshots_.NewLease();
  SnapshotStack stack = snapshots_.Ensure(image_->manifest, image_->config, lease);
  std::vector<Digest> chain = ChainIds(image_->config.diff_ids);
  ASSERT_EQ(stack.chain_ids, chain);
  ASSERT_EQ(stack.lower_dirs,
            (std::vector<std::string>{snapshots_.TreeOf(chain[1]), snapshots_.TreeOf(chain[0])}));
  EXPECT_EQ(lease.chain_ids(), std::set<Digest>(chain.begin(), chain.end()));
  EXPECT_EQ(View(stack.lower_dirs), expected_);
  EXPECT_TRUE(WorkDirs().empty());
}

TEST_F(SnapshotsTest, EachSnapshotHoldsOnlyItsOwnLayerInOverlayForm) {
  SnapshotLease lease = snapshots_.NewLease();
  SnapshotStack stack = snapshots_.Ensure(image_->manifest, image_->config, lease);
  EXPECT_EQ(Snapshot(stack.lower_dirs[1]), Snapshot(base_));
  std::string top = stack.lower_dirs[0];
  EXPECT_FALSE(Exists(top + "/keep.txt"));
  struct stat whiteout = StatOf(top + "/a/file1");
  EXPECT_TRUE(S_ISCHR(whiteout.st_mode) && whiteout.st_rdev == makedev(0, 0));
  char value[8] = {};
  ASSERT_EQ(lgetxattr((top + "/dir1").c_str(), "trusted.overlay.opaque", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'y');
  EXPECT_EQ(ReadFileToString(top + "/dir1/new", 100), "new in the replaced dir");

  SnapshotState state = snapshots_.Inspect(stack.chain_ids[1]);
  ASSERT_EQ(state.kind, SnapshotState::Kind::kComplete);
  EXPECT_EQ(state.info->record,
            (SnapshotRecord{stack.chain_ids[1], stack.chain_ids[0], top_layer_->diff_id,
                            top_layer_->uncompressed_size,
                            "layer " + top_layer_->descriptor.digest.ToString()}));
  EXPECT_EQ(state.info->tree, top);
}

TEST_F(SnapshotsTest, EnsureReusesExistingSnapshots) {
  SnapshotLease first = snapshots_.NewLease();
  SnapshotStack stack = snapshots_.Ensure(image_->manifest, image_->config, first);
  ino_t top_inode = StatOf(stack.lower_dirs[0]).st_ino;
  testing::SetMtime(stack.lower_dirs[0] + "/newfile", 1234);  // would be reset by re-extraction

  SnapshotLease second = snapshots_.NewLease();
  SnapshotStack again = snapshots_.Ensure(image_->manifest, image_->config, second);
  EXPECT_EQ(again.lower_dirs, stack.lower_dirs);
  EXPECT_EQ(StatOf(again.lower_dirs[0]).st_ino, top_inode);
  EXPECT_EQ(StatOf(again.lower_dirs[0] + "/newfile").st_mtime, 1234);
}

TEST_F(SnapshotsTest, EnsureChecksLayersAgainstTheConfigDiffIds) {
  ImageConfig wrong = image_->config;
  wrong.diff_ids[1] = DigestOf("not the layer");
  SnapshotLease lease = snapshots_.NewLease();
  try {
    snapshots_.Ensure(image_->manifest, wrong, lease);
    ADD_FAILURE() << "a layer with another diff ID was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(wrong.diff_ids[1].ToString() + " was expected"),
              std::string::npos)
        << e.what();
  }
  std::vector<Digest> chain = ChainIds(wrong.diff_ids);
  EXPECT_EQ(snapshots_.Inspect(chain[0]).kind, SnapshotState::Kind::kComplete);
  EXPECT_EQ(snapshots_.Inspect(chain[1]).kind, SnapshotState::Kind::kMissing);
  EXPECT_TRUE(WorkDirs().empty()) << "the half-applied tree is removed";

  Manifest missing = image_->manifest;
  missing.layers[1].digest = DigestOf("a blob the store lacks");
  try {
    snapshots_.Ensure(missing, image_->config, lease);
    ADD_FAILURE() << "a missing layer blob was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pull or load the image again"), std::string::npos)
        << e.what();
  }
  ImageConfig short_config = image_->config;
  short_config.diff_ids.pop_back();
  EXPECT_THROW(snapshots_.Ensure(image_->manifest, short_config, lease), Error);
}

TEST_F(SnapshotsTest, CommitUpperAdoptsTheRunUpperDirByRename) {
  SnapshotLease lease = snapshots_.NewLease();
  SnapshotStack stack = snapshots_.Ensure(image_->manifest, image_->config, lease);
  SnapshotWorkDir work = snapshots_.NewWorkDir();
  std::string work_path = work.path();
  std::map<std::string, testing::Node> after_run;
  ChangeInOverlay(stack.lower_dirs, [](const std::string& m) {
    WriteFile(m + "/run.txt", "made by RUN");
    ASSERT_EQ(unlink((m + "/keep.txt").c_str()), 0);
    WriteFile(m + "/a/file2", "changed by RUN");
  }, &after_run, work.upper(), work.work());
  struct stat upper = StatOf(work.upper());
  BuiltLayer run = BuildOverlayUpperLayer(store_, work.upper());

  SnapshotInfo info = snapshots_.CommitUpper(std::move(work), stack.chain_ids.back(), run.diff_id,
                                             run.uncompressed_size, "RUN echo", lease);
  Digest chain = ChainId(stack.chain_ids.back(), run.diff_id);
  EXPECT_EQ(info.record, (SnapshotRecord{chain, stack.chain_ids.back(), run.diff_id,
                                         run.uncompressed_size, "RUN echo", CurrentBootId()}));
  EXPECT_EQ(info.tree, snapshots_.TreeOf(chain));
  struct stat tree = StatOf(info.tree);
  EXPECT_EQ(tree.st_ino, upper.st_ino) << "renamed, not copied";
  EXPECT_EQ(tree.st_dev, upper.st_dev);
  EXPECT_EQ(tree.st_mode & 07777, 0755u) << "the upper root becomes the image's /";
  EXPECT_FALSE(Exists(work_path));
  EXPECT_TRUE(lease.chain_ids().contains(chain));
  EXPECT_EQ(snapshots_.Inspect(chain).kind, SnapshotState::Kind::kComplete);

  // The image the builder would write uses the committed snapshot as is.
  testing::StoredImage three = testing::PutImage(store_, {*base_layer_, *top_layer_, run});
  SnapshotStack stack3 = snapshots_.Ensure(three.manifest, three.config, lease);
  ASSERT_EQ(stack3.lower_dirs.size(), 3u);
  EXPECT_EQ(stack3.lower_dirs[0], info.tree);
  EXPECT_EQ(StatOf(stack3.lower_dirs[0]).st_ino, upper.st_ino);
  EXPECT_EQ(View(stack3.lower_dirs), after_run);
}

// A committed upper dir is published without syncfs; only a machine crash
// could lose its data, and that changes the boot ID, which the seam plays.
TEST_F(SnapshotsTest, UnflushedSnapshotIsDistrustedAfterARestart) {
  Snapshots boot_a(store_, "boot-a");
  SnapshotLease lease = boot_a.NewLease();
  SnapshotStack stack = boot_a.Ensure(image_->manifest, image_->config, lease);
  SnapshotWorkDir work = boot_a.NewWorkDir();
  std::map<std::string, testing::Node> after_run;
  ChangeInOverlay(stack.lower_dirs, [](const std::string& m) { WriteFile(m + "/run.txt", "RUN"); },
                  &after_run, work.upper(), work.work());
  BuiltLayer run = BuildOverlayUpperLayer(store_, work.upper());
  Digest chain = boot_a.CommitUpper(std::move(work), stack.chain_ids.back(), run.diff_id,
                                    run.uncompressed_size, "RUN", lease)
                     .record.chain_id;
  EXPECT_EQ(boot_a.Inspect(chain).info->record.unsynced_boot, "boot-a");
  EXPECT_FALSE(boot_a.Inspect(stack.chain_ids[0]).info->record.unsynced_boot)
      << "a tree extracted from a blob is flushed";
  EXPECT_EQ(Snapshots(store_, "boot-a").Inspect(chain).kind, SnapshotState::Kind::kComplete)
      << "a process crash loses nothing: the same boot trusts it";

  Snapshots boot_b(store_, "boot-b");
  SnapshotState stale = boot_b.Inspect(chain);
  EXPECT_EQ(stale.kind, SnapshotState::Kind::kBroken);
  EXPECT_TRUE(stale.stale);
  // Not in the layer: shows whether the old tree is kept or extracted again.
  WriteFile(snapshots_.TreeOf(chain) + "/marker", "old tree");
  EXPECT_NE(stale.problem.find("during boot boot-a"), std::string::npos) << stale.problem;
  EXPECT_EQ(Snapshots(store_, "").Inspect(chain).kind, SnapshotState::Kind::kBroken)
      << "an unknown boot trusts no unflushed tree";
  EXPECT_EQ(boot_b.Inspect(stack.chain_ids[1]).kind, SnapshotState::Kind::kComplete);

  // After the restart: fsck calls it stale (cleanable, not damage), and
  // Ensure rebuilds it from the layer blob, durably this time.
  testing::StoredImage three = testing::PutImage(store_, {*base_layer_, *top_layer_, run});
  store_.Tag("three", three.descriptor);
  FsckReport fsck = Fsck(store_);
  ASSERT_EQ(fsck.Of(FsckIssue::Kind::kStaleSnapshot).size(), 1u) << fsck.Summary();
  EXPECT_EQ(fsck.Of(FsckIssue::Kind::kStaleSnapshot)[0].subject, snapshots_.DirOf(chain));
  EXPECT_TRUE(fsck.consistent()) << fsck.Summary();
  SnapshotLease after = boot_b.NewLease();
  SnapshotStack rebuilt = boot_b.Ensure(three.manifest, three.config, after);
  SnapshotState state = boot_b.Inspect(chain);
  ASSERT_EQ(state.kind, SnapshotState::Kind::kComplete);
  EXPECT_FALSE(state.info->record.unsynced_boot);
  EXPECT_FALSE(Exists(state.info->tree + "/marker")) << "extracted again, not kept";
  EXPECT_EQ(View(rebuilt.lower_dirs), after_run);
}

TEST_F(SnapshotsTest, CommitUpperOfAnExistingChainKeepsTheExistingSnapshot) {
  SnapshotLease lease = snapshots_.NewLease();
  std::vector<SnapshotInfo> commits;
  std::vector<std::string> paths;
  for (int i = 0; i < 2; ++i) {
    SnapshotWorkDir work = snapshots_.NewWorkDir();
    paths.push_back(work.path());
    WriteFile(work.upper() + "/same", "same content");
    testing::SetMtime(work.upper() + "/same", 1600000000);
    BuiltLayer layer = BuildOverlayUpperLayer(store_, work.upper());
    commits.push_back(snapshots_.CommitUpper(std::move(work), std::nullopt, layer.diff_id,
                                             layer.uncompressed_size, "RUN " + std::to_string(i),
                                             lease));
  }
  EXPECT_EQ(commits[0].tree, commits[1].tree);
  EXPECT_EQ(commits[1].record.created_from, "RUN 0") << "the first one stays";
  EXPECT_FALSE(Exists(paths[0]));
  EXPECT_FALSE(Exists(paths[1])) << "the duplicate upper dir is discarded";
  EXPECT_TRUE(WorkDirs().empty());
}

TEST_F(SnapshotsTest, CommitUpperWithoutAnUpperDirFails) {
  SnapshotLease lease = snapshots_.NewLease();
  SnapshotWorkDir work = snapshots_.NewWorkDir();
  RemoveAll(work.upper());
  EXPECT_THROW(snapshots_.CommitUpper(std::move(work), std::nullopt, top_layer_->diff_id, 0, "RUN",
                                      lease),
               Error);
  EXPECT_TRUE(WorkDirs().empty());
}

TEST_F(SnapshotsTest, BrokenSnapshotsAreReportedAndReplaced) {
  SnapshotStack stack = [&] {
    SnapshotLease lease = snapshots_.NewLease();
    return snapshots_.Ensure(image_->manifest, image_->config, lease);
  }();
  Digest top = stack.chain_ids[1];
  ASSERT_EQ(unlink((snapshots_.DirOf(top) + "/snapshot.json").c_str()), 0);
  MakeDir(snapshots_.root() + "/not-a-chain");
  SnapshotState state = snapshots_.Inspect(top);
  EXPECT_EQ(state.kind, SnapshotState::Kind::kBroken);
  EXPECT_NE(state.problem.find("snapshot.json"), std::string::npos) << state.problem;

  store_.Tag("app", image_->descriptor);
  FsckReport fsck = Fsck(store_);
  std::vector<FsckIssue> broken = fsck.Of(FsckIssue::Kind::kBrokenSnapshot);
  ASSERT_EQ(broken.size(), 2u) << fsck.Summary();
  EXPECT_EQ(broken[0].subject, snapshots_.DirOf(top));
  EXPECT_EQ(broken[1].subject, snapshots_.root() + "/not-a-chain");
  EXPECT_FALSE(fsck.consistent());

  SnapshotLease lease = snapshots_.NewLease();
  SnapshotStack repaired = snapshots_.Ensure(image_->manifest, image_->config, lease);
  EXPECT_EQ(snapshots_.Inspect(top).kind, SnapshotState::Kind::kComplete);
  EXPECT_EQ(View(repaired.lower_dirs), expected_);
  PruneReport pruned = Prune(store_);
  EXPECT_EQ(pruned.removed_snapshots,
            std::vector<std::string>{snapshots_.root() + "/not-a-chain"});
  fsck = Fsck(store_);
  EXPECT_TRUE(fsck.issues.empty()) << fsck.Summary();
  EXPECT_EQ(fsck.snapshots, 2);
}

TEST_F(SnapshotsTest, KilledEnsureLeavesNoHalfSnapshot) {
  std::string big = temp_.path() + "/bigtree";
  MakeDir(big);
  for (int i = 0; i < 48; ++i) {
    WriteFile(big + "/f" + std::to_string(i), testing::PseudoRandom(1 << 20, i));
  }
  testing::StoredImage image = testing::PutImage(
      store_, {BuildDirectoryLayer(store_, big, {.compression = Compression::kNone})});
  Digest chain = image.config.diff_ids[0];
  testing::Child child([&] {
    Snapshots snapshots(store_);
    SnapshotLease lease = snapshots.NewLease();
    snapshots.Ensure(image.manifest, image.config, lease);
  });
  // Kill it as soon as the extraction has started.
  bool started = false;
  for (int i = 0; i < 20000 && !started; ++i) {
    for (const std::string& name : WorkDirs()) {
      started = started || !ListDirectorySorted(snapshots_.work_root() + "/" + name + "/tree")
                                .empty();
    }
    if (!started) usleep(100);
  }
  child.Kill();
  ASSERT_TRUE(started) << "the extraction was never seen running";
  // Killed half-way through 48 MB: no snapshot, only an abandoned work dir.
  SnapshotState state = snapshots_.Inspect(chain);
  ASSERT_EQ(state.kind, SnapshotState::Kind::kMissing) << state.problem;
  ASSERT_EQ(WorkDirs().size(), 1u);
  FsckReport fsck = Fsck(store_);
  EXPECT_EQ(fsck.Of(FsckIssue::Kind::kStaleTempFile).size(), 2u) << "work dir and lease\n"
                                                                  << fsck.Summary();
  PruneReport pruned = Prune(store_, {.extra_roots = {image.descriptor}});
  EXPECT_EQ(pruned.removed_temp_files.size(), 2u);
  EXPECT_TRUE(WorkDirs().empty());

  SnapshotLease lease = snapshots_.NewLease();
  SnapshotStack stack = snapshots_.Ensure(image.manifest, image.config, lease);
  EXPECT_EQ(Snapshot(stack.lower_dirs[0]), Snapshot(big));
}

TEST_F(SnapshotsTest, ConcurrentEnsureFromTwoProcessesGivesCompleteSnapshots) {
  for (int round = 0; round < 3; ++round) {
    testing::Gate gate;
    std::vector<std::unique_ptr<testing::Child>> children;
    for (int i = 0; i < 2; ++i) {
      children.push_back(std::make_unique<testing::Child>([&] {
        Snapshots snapshots(store_);
        SnapshotLease lease = snapshots.NewLease();
        gate.Pass();
        SnapshotStack stack = snapshots.Ensure(image_->manifest, image_->config, lease);
        if (stack.lower_dirs.size() != 2) Fail("wrong stack");
      }));
    }
    gate.Open();
    for (auto& child : children) EXPECT_EQ(child->Wait(), 0) << "round " << round;
    for (const Digest& chain : ChainIds(image_->config.diff_ids)) {
      EXPECT_EQ(snapshots_.Inspect(chain).kind, SnapshotState::Kind::kComplete);
    }
    {
      SnapshotLease lease = snapshots_.NewLease();
      EXPECT_EQ(View(snapshots_.Ensure(image_->manifest, image_->config, lease).lower_dirs),
                expected_);
    }
    EXPECT_TRUE(WorkDirs().empty());
    ASSERT_EQ(snapshots_.ListNames().size(), 2u);
    // The next round starts from scratch.
    for (const std::string& name : snapshots_.ListNames()) {
      RemoveAll(snapshots_.root() + "/" + name);
    }
  }
}

}  // namespace
}  // namespace imgbuild::layers
