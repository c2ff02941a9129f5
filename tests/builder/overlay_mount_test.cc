#include "builder/overlay_mount.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/builder/sandbox_fixtures.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using test_support::IsMountPoint;
using test_support::ListTree;
using test_support::ReadTextFile;
using test_support::WriteTextFile;

// A scratch area with upper, work and merged directories plus any number of lowers.
class OverlayMountTest : public ::testing::TestWithParam<OverlayMountMethod> {
 protected:
  void SetUp() override { IMGBUILD_ASSERT_ROOT(); }

  std::string MakeDir(const std::string& relative) {
    std::string path = scratch_.path() + "/" + relative;
    std::filesystem::create_directories(path);
    return path;
  }

  OverlayLayout Layout(std::vector<std::string> lowers) {
    return OverlayLayout{std::move(lowers), MakeDir("upper"), MakeDir("work"), MakeDir("merged")};
  }

  TempDir scratch_{"imgbuild-overlay-test-"};
};

TEST_P(OverlayMountTest, MergesLayersTopMostFirstAndWritesToUpper) {
  std::string top = MakeDir("top");
  std::string bottom = MakeDir("bottom");
  WriteTextFile(top + "/shared", "top");
  WriteTextFile(bottom + "/shared", "bottom");
  WriteTextFile(bottom + "/only-bottom", "bottom");
  OverlayLayout layout = Layout({top, bottom});
  OverlayMount mount(layout, GetParam());

  EXPECT_TRUE(IsMountPoint(layout.target));
  EXPECT_EQ(ReadTextFile(layout.target + "/shared"), "top");
  EXPECT_EQ(ReadTextFile(layout.target + "/only-bottom"), "bottom");
  WriteTextFile(layout.target + "/new", "new");
  EXPECT_EQ(ReadTextFile(layout.upper + "/new"), "new");
  EXPECT_FALSE(std::filesystem::exists(bottom + "/new"));

  mount.Unmount();
  EXPECT_FALSE(mount.mounted());
  EXPECT_FALSE(IsMountPoint(layout.target));
}

// 80 layers with long names need ~10 KB of options, more than two pages;
// one path is longer than fsconfig's 255-byte values.
TEST_P(OverlayMountTest, MountsMoreLayersThanOnePageOfOptionsHolds) {
  std::vector<std::string> lowers;
  for (int i = 0; i < 80; ++i) {
    std::string name = fmt::format("layer-{:03}-{}", i, std::string(90, 'x'));
    if (i == 7) name = std::string(100, 'a') + "/" + std::string(100, 'b') + "/" + name;
    lowers.push_back(MakeDir(name));
    WriteTextFile(lowers.back() + fmt::format("/file-{:03}", i), std::to_string(i));
  }
  WriteTextFile(lowers.back() + "/file-000", "shadowed");
  OverlayLayout layout = Layout(lowers);
  OverlayMount mount(layout, GetParam());

  std::vector<std::string> merged = ListTree(layout.target);
  ASSERT_EQ(merged.size(), 80u);
  EXPECT_EQ(merged.front(), "file-000");
  EXPECT_EQ(merged.back(), "file-079");
  EXPECT_EQ(ReadTextFile(layout.target + "/file-000"), "0");
  EXPECT_EQ(ReadTextFile(layout.target + "/file-007"), "7");
}

TEST_P(OverlayMountTest, AcceptsOptionSeparatorsInPaths) {
  std::string lower = MakeDir("odd:name,with\\separators");
  WriteTextFile(lower + "/file", "odd");
  OverlayLayout layout = Layout({lower, MakeDir("plain")});
  OverlayMount mount(layout, GetParam());
  EXPECT_EQ(ReadTextFile(layout.target + "/file"), "odd");
}

TEST_P(OverlayMountTest, VolatileUpperSkipsSyncs) {
  OverlayLayout layout = Layout({MakeDir("lower")});
  layout.volatile_upper = true;
  OverlayMount mount(layout, GetParam());
  std::string line;
  for (std::istringstream lines(ReadTextFile("/proc/self/mountinfo")); std::getline(lines, line);) {
    if (line.find(" " + layout.target + " ") != std::string::npos) break;
  }
  EXPECT_NE(line.find("volatile"), std::string::npos) << line;
  WriteTextFile(layout.target + "/new", "new");
  EXPECT_EQ(ReadTextFile(layout.upper + "/new"), "new");
}

TEST_P(OverlayMountTest, FailsWithTargetAndReasonForABadLayout) {
  OverlayLayout layout = Layout({MakeDir("lower")});
  layout.lowers.push_back(scratch_.path() + "/missing-layer");
  try {
    OverlayMount mount(layout, GetParam());
    ADD_FAILURE() << "mounted a missing layer";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(layout.target), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_FALSE(IsMountPoint(layout.target));
}

INSTANTIATE_TEST_SUITE_P(BothKernelInterfaces, OverlayMountTest,
                         ::testing::Values(OverlayMountMethod::kFsconfig,
                                           OverlayMountMethod::kMountOptions),
                         [](const auto& info) {
                           return info.param == OverlayMountMethod::kFsconfig ? "Fsconfig"
                                                                              : "MountOptions";
                         });

class OverlayMountLifetimeTest : public OverlayMountTest {};

TEST_F(OverlayMountLifetimeTest, UnmountRefusesWhileBusyAndDestructorDetaches) {
  OverlayLayout layout = Layout({MakeDir("lower")});
  UniqueFd open_file;  // outlives the mount
  {
    OverlayMount mount(layout);
    open_file = OpenOrThrow(layout.target + "/busy", O_WRONLY | O_CREAT);
    try {
      mount.Unmount();
      ADD_FAILURE() << "unmounted a busy overlay";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(mount.mounted());
    EXPECT_TRUE(IsMountPoint(layout.target));
  }  // the destructor detaches even though the file is still open
  EXPECT_FALSE(IsMountPoint(layout.target));
  WriteAll(open_file.get(), "x", 1, "file on the detached overlay");
}

TEST_F(OverlayMountLifetimeTest, MovedFromMountLeavesTheMountAlone) {
  OverlayLayout layout = Layout({MakeDir("lower")});
  std::optional<OverlayMount> first(std::in_place, layout);
  OverlayMount second(std::move(*first));
  first.reset();
  EXPECT_TRUE(IsMountPoint(layout.target));
  EXPECT_TRUE(second.mounted());
}

TEST(MountPointBaseTest, CreatesMountPointsAndExtraTargets) {
  TempDir scratch("imgbuild-base-test-");
  std::string base = scratch.path() + "/base";
  CreateMountPointBase(base, {"/cache/go"}, {"/run/secrets/token"});
  CreateMountPointBase(base);  // idempotent

  EXPECT_EQ(ListTree(base),
            (std::vector<std::string>{"cache", "cache/go", "dev", "etc", "etc/hostname",
                                      "etc/hosts", "etc/resolv.conf", "proc", "run",
                                      "run/secrets", "run/secrets/token", "sys"}));
  struct stat info {};
  ASSERT_EQ(stat((base + "/etc/hosts").c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_EQ(info.st_size, 0);
  EXPECT_EQ(info.st_mode & 07777, 0644u);
  ASSERT_EQ(stat((base + "/proc").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
  EXPECT_THROW(CreateMountPointBase(base, {"/cache/../../escape"}), Error);
  EXPECT_THROW(CreateMountPointBase(base, {"relative"}), Error);
}

}  // namespace
}  // namespace imgbuild::builder
