#include "layers/xattrs.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "layer_test_util.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {
namespace {

TEST(LayerXattrTest, KeepsCapabilitiesAndUserXattrsOnly) {
  EXPECT_TRUE(IsLayerXattr("security.capability"));
  EXPECT_TRUE(IsLayerXattr("user.mime_type"));
  EXPECT_FALSE(IsLayerXattr("user.overlay.opaque"));
  EXPECT_FALSE(IsLayerXattr("trusted.overlay.opaque"));
  EXPECT_FALSE(IsLayerXattr("security.selinux"));
  EXPECT_FALSE(IsLayerXattr("system.posix_acl_access"));
  EXPECT_FALSE(IsLayerXattr("trusted.anything"));
}

class ReadXattrsTest : public testing::RootTest {
 protected:
  TempDir temp_{"xattrs-"};
  std::string file_ = temp_.path() + "/file";
};

TEST_F(ReadXattrsTest, ReadsFilteredAndSortedByName) {
  testing::WriteFile(file_, "");
  testing::SetXattr(file_, "user.b", std::string("two\0bytes", 9));
  testing::SetXattr(file_, "user.a", "one");
  testing::SetXattr(file_, "trusted.hidden", "x");
  std::vector<Xattr> xattrs = {{"stale", "entry"}};
  ReadXattrs(-1, file_, &IsLayerXattr, xattrs);
  ASSERT_EQ(xattrs.size(), 2u);
  EXPECT_EQ(xattrs[0].name, "user.a");
  EXPECT_EQ(xattrs[1].name, "user.b");
  EXPECT_EQ(xattrs[1].value, std::string("two\0bytes", 9));

  UniqueFd fd = OpenOrThrow(file_, O_RDONLY);
  ReadXattrs(fd.get(), "by fd", [](std::string_view) { return true; }, xattrs);
  EXPECT_EQ(xattrs.size(), 3u);
}

TEST_F(ReadXattrsTest, DoesNotFollowSymlinks) {
  testing::WriteFile(file_, "");
  testing::SetXattr(file_, "user.a", "on the target");
  std::string link = temp_.path() + "/link";
  ASSERT_EQ(symlink(file_.c_str(), link.c_str()), 0);
  std::vector<Xattr> xattrs;
  ReadXattrs(-1, link, &IsLayerXattr, xattrs);
  EXPECT_TRUE(xattrs.empty());
  EXPECT_THROW(ReadXattrs(-1, temp_.path() + "/missing", &IsLayerXattr, xattrs), Error);
}

}  // namespace
}  // namespace imgbuild::layers
