#include "util/background_remover.h"

#include <fcntl.h>
#include <sys/file.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "util/temp_dir.h"

namespace imgbuild {
namespace {

namespace fs = std::filesystem;

std::string MakeTree(const std::string& parent, const std::string& name) {
  std::string root = parent + "/" + name;
  fs::create_directories(root + "/a/b");
  std::ofstream(root + "/a/b/file") << "content";
  fs::create_symlink("/etc/passwd", root + "/a/link");
  return root;
}

TEST(BackgroundRemoverTest, RemovesQueuedTreesByDrainWithoutFollowingSymlinks) {
  TempDir dir;
  BackgroundRemover remover;
  std::string first = MakeTree(dir.path(), "first");
  std::string second = MakeTree(dir.path(), "second");
  remover.Remove(first);
  remover.Remove(second);
  remover.Remove(dir.path() + "/never-existed");
  remover.Drain();
  EXPECT_FALSE(fs::exists(first));
  EXPECT_FALSE(fs::exists(second));
  EXPECT_TRUE(fs::exists("/etc/passwd"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(BackgroundRemoverTest, ClosesTheHeldDescriptorOnlyAfterRemoval) {
  TempDir dir;
  std::string tree = MakeTree(dir.path(), "held");
  std::string lock_path = dir.path() + "/lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  {
    BackgroundRemover remover;
    remover.Remove(tree, UniqueFd(fd));
    remover.Drain();
    EXPECT_FALSE(fs::exists(tree));
  }
  UniqueFd other(open(lock_path.c_str(), O_RDWR | O_CLOEXEC));
  ASSERT_GE(other.get(), 0);
  EXPECT_EQ(flock(other.get(), LOCK_EX | LOCK_NB), 0) << "the held flock was never released";
}

TEST(BackgroundRemoverTest, DestructionFinishesTheQueue) {
  TempDir dir;
  std::vector<std::string> trees;
  {
    BackgroundRemover remover;
    for (int i = 0; i < 20; ++i) {
      trees.push_back(MakeTree(dir.path(), "t" + std::to_string(i)));
      remover.Remove(trees.back());
    }
  }
  for (const std::string& tree : trees) EXPECT_FALSE(fs::exists(tree)) << tree;
}

}  // namespace
}  // namespace imgbuild
