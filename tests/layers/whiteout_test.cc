#include "layers/whiteout.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

TEST(WhiteoutTest, ClassifiesLayerNames) {
  EXPECT_EQ(ClassifyLayerName("file").kind, LayerNameKind::kRegular);
  EXPECT_EQ(ClassifyLayerName(".whatever").kind, LayerNameKind::kRegular);
  EXPECT_EQ(ClassifyLayerName(".wh..wh..opq").kind, LayerNameKind::kOpaque);
  EXPECT_EQ(ClassifyLayerName(".wh..wh.plnk").kind, LayerNameKind::kMeta);
  LayerName whiteout = ClassifyLayerName(".wh.passwd");
  EXPECT_EQ(whiteout.kind, LayerNameKind::kWhiteout);
  EXPECT_EQ(whiteout.target, "passwd");
  EXPECT_EQ(ClassifyLayerName(".wh..hidden").target, ".hidden");
  EXPECT_EQ(WhiteoutFileName("passwd"), ".wh.passwd");
}

TEST(WhiteoutTest, RefusesWhiteoutsOfNothingDotOrDotDot) {
  for (const char* name : {".wh.", ".wh..", ".wh..."}) {
    EXPECT_THROW(ClassifyLayerName(name), Error) << name;
  }
}

TEST(WhiteoutTest, RecognisesOverlayBookkeeping) {
  EXPECT_TRUE(IsOverlayXattr("trusted.overlay.opaque"));
  EXPECT_TRUE(IsOverlayXattr("user.overlay.origin"));
  EXPECT_FALSE(IsOverlayXattr("user.overlayish"));
  EXPECT_TRUE(IsLowerDependentOverlayXattr("trusted.overlay.redirect"));
  EXPECT_TRUE(IsLowerDependentOverlayXattr("user.overlay.metacopy"));
  EXPECT_FALSE(IsLowerDependentOverlayXattr("trusted.overlay.origin"));
  EXPECT_FALSE(IsLowerDependentOverlayXattr("user.app.overlay.redirect"));
  EXPECT_STREQ(OpaqueXattrName(OverlayXattrs::kTrusted), "trusted.overlay.opaque");
  EXPECT_STREQ(OpaqueXattrName(OverlayXattrs::kUser), "user.overlay.opaque");
  EXPECT_TRUE(IsOpaqueValue("y"));
  EXPECT_FALSE(IsOpaqueValue("x"));  // "has xattr whiteouts", not opaque
}

class OverlayWhiteoutTest : public testing::RootTest {};

TEST_F(OverlayWhiteoutTest, OnlyCharDeviceZeroZeroIsAWhiteout) {
  TempDir temp("whiteout-");
  std::string whiteout = temp.path() + "/whiteout";
  std::string null = temp.path() + "/null";
  ASSERT_EQ(mknod(whiteout.c_str(), S_IFCHR, makedev(0, 0)), 0);
  ASSERT_EQ(mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  struct stat st {};
  ASSERT_EQ(lstat(whiteout.c_str(), &st), 0);
  EXPECT_TRUE(IsOverlayWhiteout(st));
  ASSERT_EQ(lstat(null.c_str(), &st), 0);
  EXPECT_FALSE(IsOverlayWhiteout(st));
  ASSERT_EQ(lstat(temp.path().c_str(), &st), 0);
  EXPECT_FALSE(IsOverlayWhiteout(st));
}

}  // namespace
}  // namespace imgbuild::layers
