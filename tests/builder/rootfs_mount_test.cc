#include "builder/rootfs_mount.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "builder/sandbox_etc_files.h"
#include "layers/chain_id.h"
#include "layers/layer_builder.h"
#include "tests/builder/sandbox_fixtures.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using test_support::ReadTextFile;

class BuildScratchTest : public ::testing::Test {
 protected:
  TempDir dir_;
  layers::Store store_{dir_.path() + "/store"};
  layers::Snapshots snapshots_{store_};
};

TEST_F(BuildScratchTest, SandboxEtcFilesAreWrittenOncePerNetwork) {
  std::string host_dir, none_dir;
  {
    BuildScratch scratch(snapshots_);
    host_dir = scratch.SandboxEtcDir(NetworkMode::kHost);
    EXPECT_EQ(scratch.SandboxEtcDir(NetworkMode::kHost), host_dir);
    none_dir = scratch.SandboxEtcDir(NetworkMode::kNone);
    EXPECT_NE(none_dir, host_dir);
    std::string hostname = SandboxSpec{}.hostname;
    EXPECT_EQ(ReadTextFile(host_dir + "/hostname"), SandboxHostnameFile(hostname));
    EXPECT_EQ(ReadTextFile(host_dir + "/hosts"), SandboxHostsFile(hostname));
    std::string host_resolv_conf = ReadTextFile("/etc/resolv.conf");
    EXPECT_EQ(ReadTextFile(host_dir + "/resolv.conf"), SandboxResolvConf(host_resolv_conf, true));
    EXPECT_EQ(ReadTextFile(none_dir + "/resolv.conf"), SandboxResolvConf(host_resolv_conf, false));
  }
  EXPECT_FALSE(std::filesystem::exists(host_dir)) << "removed with the build's scratch";
  EXPECT_FALSE(std::filesystem::exists(none_dir));
}

TEST_F(BuildScratchTest, DirectoriesGivenToTheRemoverGoBeforeTheScratch) {
  std::string released;
  {
    BuildScratch scratch(snapshots_);
    TempDir dir = scratch.NewDir("step-");
    std::filesystem::create_directories(dir.path() + "/a/b");
    released = dir.Release();
    scratch.remover().Remove(released);
    scratch.remover().Drain();
    EXPECT_FALSE(std::filesystem::exists(released));
    scratch.remover().Remove(scratch.NewDir("late-").Release());
  }
  EXPECT_TRUE(std::filesystem::is_empty(snapshots_.work_root()))
      << "the build's work directory and everything queued are gone";
}

TEST_F(BuildScratchTest, StackLowerDirsLeaveOutLayersWithoutEntries) {
  TempDir full, empty;
  test_support::WriteTextFile(full.path() + "/file", "content");
  layers::BuiltLayer base = layers::BuildDirectoryLayer(store_, full.path());
  layers::BuiltLayer nothing = layers::BuildOverlayUpperLayer(store_, empty.path());
  LayerStack stack{{base.descriptor, nothing.descriptor, nothing.descriptor},
                   {base.diff_id, nothing.diff_id, nothing.diff_id}};
  layers::SnapshotLease lease = snapshots_.NewLease();
  std::vector<std::string> lowers = StackLowerDirs(snapshots_, stack, lease);
  std::vector<layers::Digest> chains = layers::ChainIds(stack.diff_ids);
  EXPECT_EQ(lowers, std::vector<std::string>{snapshots_.TreeOf(chains[0])});
  EXPECT_EQ(lease.chain_ids().size(), 3u) << "every chain is still leased";
  EXPECT_EQ(snapshots_.Inspect(chains[2]).kind, layers::SnapshotState::Kind::kComplete)
      << "and has its snapshot";
}

}  // namespace
}  // namespace imgbuild::builder
