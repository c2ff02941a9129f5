#include "layers/safe_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

TEST(CleanLayerPathTest, NormalisesRelativeNames) {
  EXPECT_EQ(CleanLayerPath("./a//b/"), "a/b");
  EXPECT_EQ(CleanLayerPath("a/./b/."), "a/b");
  EXPECT_EQ(CleanLayerPath("./"), "");
  EXPECT_EQ(CleanLayerPath("."), "");
  EXPECT_EQ(CleanLayerPath("..."), "...");
  EXPECT_EQ(CleanLayerPath("a..b/..c"), "a..b/..c");
}

TEST(CleanLayerPathTest, RefusesEscapesQuotingTheName) {
  for (const char* name : {"..", "../x", "a/../b", "a/..", "./../x"}) {
    try {
      CleanLayerPath(name, "hardlink target");
      ADD_FAILURE() << "accepted " << name;
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()),
                fmt::format("hardlink target \"{}\" has a \"..\" component, which could escape "
                            "the target directory", name));
    }
  }
  EXPECT_THROW(CleanLayerPath("/etc/passwd"), Error);
  EXPECT_THROW(CleanLayerPath("//x"), Error);
}

TEST(SplitParentTest, SplitsAtTheLastSlash) {
  EXPECT_EQ(SplitParent("a/b/c"), (std::pair<std::string_view, std::string_view>{"a/b", "c"}));
  EXPECT_EQ(SplitParent("c"), (std::pair<std::string_view, std::string_view>{"", "c"}));
}

class InRootTest : public testing::RootTest {
 protected:
  void SetUp() override {
    testing::RootTest::SetUp();
    testing::MakeDir(root_);
    testing::MakeDir(outside_);
    testing::WriteFile(outside_ + "/secret", "outside");
    root_fd_ = OpenOrThrow(root_, O_RDONLY | O_DIRECTORY);
  }

  TempDir temp_{"safe-path-"};
  std::string root_ = temp_.path() + "/root";
  std::string outside_ = temp_.path() + "/outside";
  UniqueFd root_fd_;
};

TEST_F(InRootTest, SymlinksResolveAsIfTheRootWereSlash) {
  testing::MakeDir(root_ + "/etc");
  testing::WriteFile(root_ + "/etc/secret", "inside");
  ASSERT_EQ(symlink("/etc", (root_ + "/abs").c_str()), 0);
  ASSERT_EQ(symlink("../../../../etc", (root_ + "/up").c_str()), 0);
  for (const char* path : {"abs/secret", "up/secret", "etc/secret"}) {
    UniqueFd fd = TryOpenInRoot(root_fd_.get(), path, O_RDONLY);
    ASSERT_TRUE(fd.valid()) << path;
    char buffer[16] = {};
    ASSERT_GT(read(fd.get(), buffer, sizeof(buffer)), 0);
    EXPECT_STREQ(buffer, "inside") << path;
  }
  ASSERT_EQ(symlink(outside_.c_str(), (root_ + "/out").c_str()), 0);
  EXPECT_FALSE(TryOpenInRoot(root_fd_.get(), "out/secret", O_RDONLY).valid());
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(InRootTest, OpenDirCreatesMissingDirectoriesWhateverTheUmask) {
  mode_t old = umask(077);
  UniqueFd dir = OpenDirInRoot(root_fd_.get(), "x/y/z", true);
  umask(old);
  ASSERT_TRUE(dir.valid());
  for (const char* path : {"/x", "/x/y", "/x/y/z"}) {
    struct stat st {};
    ASSERT_EQ(stat((root_ + path).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u) << path;
  }
  EXPECT_FALSE(OpenDirInRoot(root_fd_.get(), "missing/dir", false).valid());
}

TEST_F(InRootTest, OpenDirExplainsWhyAComponentIsNoDirectory) {
  testing::WriteFile(root_ + "/file", "");
  ASSERT_EQ(symlink(outside_.c_str(), (root_ + "/dangling").c_str()), 0);
  try {
    OpenDirInRoot(root_fd_.get(), "file/sub", true);
    ADD_FAILURE() << "opened a file as a directory";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "a component of \"file/sub\" is not a directory");
  }
  try {
    OpenDirInRoot(root_fd_.get(), "dangling/sub", true);
    ADD_FAILURE() << "followed a symlink out of the root";
  } catch (const Error& error) {
    EXPECT_STREQ(
        error.what(),
        "\"dangling\" is a symlink whose target does not exist inside the target directory");
  }
  EXPECT_EQ(access((outside_ + "/sub").c_str(), F_OK), -1);
  EXPECT_FALSE(OpenDirInRoot(root_fd_.get(), "file/sub", false).valid());
}

TEST_F(InRootTest, RemoveAllNeverFollowsSymlinks) {
  testing::MakeDir(root_ + "/tree");
  testing::MakeDir(root_ + "/tree/sub");
  testing::WriteFile(root_ + "/tree/sub/file", "");
  ASSERT_EQ(symlink(outside_.c_str(), (root_ + "/tree/sub/link").c_str()), 0);
  RemoveAllAt(root_fd_.get(), "tree", "tree");
  RemoveAllAt(root_fd_.get(), "missing", "missing");
  EXPECT_EQ(access((root_ + "/tree").c_str(), F_OK), -1);
  EXPECT_EQ(testing::ReadFile(outside_ + "/secret"), "outside");
}

}  // namespace
}  // namespace imgbuild::layers
