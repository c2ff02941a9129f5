// A real overlayfs mount: the upper dir of a container's changes becomes a
// layer, and applying that layer reproduces the merged view.
#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "tar_fixtures.h"
#include "tree_snapshot.h"
#include "layers/tar_apply.h"
#include "layers/tar_writer.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

using testing::MakeDir;
using testing::Snapshot;
using testing::WriteFile;

class OverlayLayerTest : public testing::RootTest {
 protected:
  void SetUp() override {
    testing::RootTest::SetUp();
    for (const std::string& dir : {lower_, upper_, work_, merged_}) MakeDir(dir);
    WriteFile(lower_ + "/keep.txt", "untouched");
    MakeDir(lower_ + "/a");
    WriteFile(lower_ + "/a/file1", "deleted in the upper layer");
    WriteFile(lower_ + "/a/file2", "kept");
    MakeDir(lower_ + "/dir1");
    WriteFile(lower_ + "/dir1/x", "hidden by the opaque dir");
    MakeDir(lower_ + "/dir1/sub");
    WriteFile(lower_ + "/dir1/sub/y", "hidden too");
    MakeDir(lower_ + "/dir2");
    WriteFile(lower_ + "/dir2/z", "chmodded");
    WriteFile(lower_ + "/mod.txt", "before");
    for (const auto& [path, node] : Snapshot(lower_)) {
      testing::SetMtime(lower_ + "/" + path, 1400000000);
    }
  }

  std::string Mount(const std::string& extra = "") {
    return "lowerdir=" + lower_ + ",upperdir=" + upper_ + ",workdir=" + work_ + extra;
  }

  // What a RUN step might do inside the container.
  void ChangeThroughTheMount() {
    ASSERT_EQ(unlink((merged_ + "/a/file1").c_str()), 0);
    RemoveAll(merged_ + "/dir1");
    MakeDir(merged_ + "/dir1", 0700);
    WriteFile(merged_ + "/dir1/new", "new in the replaced dir");
    WriteFile(merged_ + "/newfile", "created", 0640);
    testing::SetXattr(merged_ + "/newfile", "user.note", "from the container");
    WriteFile(merged_ + "/mod.txt", "after");
    ASSERT_EQ(chmod((merged_ + "/dir2/z").c_str(), 0600), 0);
    MakeDir(merged_ + "/newdir");
    WriteFile(merged_ + "/newdir/inner", "inner");
  }

  std::string WriteLayer(const std::string& upper, const TarWriterOptions& options = {}) {
    std::string path = temp_.path() + "/layer.tar";
    UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC);
    FdSink sink(fd.get(), path);
    WriteOverlayUpperLayer(upper, sink, options);
    return path;
  }

  TempDir temp_{"overlay-layer-"};
  std::string lower_ = temp_.path() + "/lower";
  std::string upper_ = temp_.path() + "/upper";
  std::string work_ = temp_.path() + "/work";
  std::string merged_ = temp_.path() + "/merged";
};

TEST_F(OverlayLayerTest, UpperDirBecomesALayerThatRecreatesTheMergedView) {
  std::map<std::string, testing::Node> merged;
  {
    testing::ScopedMount overlay("overlay", merged_, "overlay",
                                 Mount(",redirect_dir=off,metacopy=off"));
    ChangeThroughTheMount();
    merged = Snapshot(merged_);
  }
  std::string layer = WriteLayer(upper_);
  std::string bytes = testing::ReadFile(layer);
  std::vector<std::string> names = testing::Names(testing::ReadTar(bytes));
  EXPECT_EQ(names, (std::vector<std::string>{"a/", "a/.wh.file1", "dir1/", "dir1/.wh..wh..opq",
                                             "dir1/new", "dir2/", "dir2/z", "mod.txt", "newdir/",
                                             "newdir/inner", "newfile"}));
  EXPECT_EQ(bytes.find("overlay"), std::string::npos) << "overlay xattrs leaked into the layer";

  // Applied onto a copy of the lower dir, deleting whited-out paths.
  std::string local = temp_.path() + "/local";
  std::string output;
  ASSERT_EQ(testing::Run("cp -a " + lower_ + " " + local, &output), 0) << output;
  ApplyOptions deleting;
  deleting.whiteouts = WhiteoutMode::kDelete;
  ApplyLayerFile(layer, local, deleting);
  EXPECT_EQ(Snapshot(local), merged);

  // Applied as its own snapshot and stacked on the lower dir by overlayfs.
  std::string snapshot = temp_.path() + "/snapshot";
  std::string view = temp_.path() + "/view";
  MakeDir(snapshot);
  MakeDir(view);
  ApplyLayerFile(layer, snapshot);
  testing::ScopedMount stacked("overlay", view, "overlay", "lowerdir=" + snapshot + ":" + lower_);
  EXPECT_EQ(Snapshot(view), merged);
}

TEST_F(OverlayLayerTest, UserxattrMountsMarkOpaqueDirsInTheUserNamespace) {
  {
    testing::ScopedMount overlay("overlay", merged_, "overlay", Mount(",userxattr"));
    ChangeThroughTheMount();
  }
  char value[4];
  ASSERT_EQ(lgetxattr((upper_ + "/dir1").c_str(), "user.overlay.opaque", value, sizeof(value)), 1)
      << "the kernel did not mark the replaced dir opaque with a user xattr";
  std::string bytes =
      testing::ReadFile(WriteLayer(upper_, {.overlay_xattrs = OverlayXattrs::kUser}));
  std::vector<std::string> names = testing::Names(testing::ReadTar(bytes));
  EXPECT_NE(std::find(names.begin(), names.end(), "dir1/.wh..wh..opq"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "a/.wh.file1"), names.end());
  EXPECT_EQ(bytes.find("overlay"), std::string::npos) << "overlay xattrs leaked into the layer";
  EXPECT_NE(bytes.find("user.note"), std::string::npos);
}

TEST_F(OverlayLayerTest, RefusesUpperDirsThatDependOnTheLowerLayers) {
  {
    testing::ScopedMount overlay("overlay", merged_, "overlay", Mount(",metacopy=on"));
    ASSERT_EQ(chmod((merged_ + "/dir2/z").c_str(), 0600), 0);
  }
  try {
    WriteLayer(upper_);
    ADD_FAILURE() << "a metacopy upper file was written into a layer";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("dir2/z"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("metacopy=off"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace imgbuild::layers
