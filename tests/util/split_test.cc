#include "util/split.h"

#include <gtest/gtest.h>

namespace imgbuild {
namespace {

using Parts = std::vector<std::string>;

TEST(SplitTest, KeepsEmptyPieces) {
  EXPECT_EQ(Split("linux/arm/v7", '/'), (Parts{"linux", "arm", "v7"}));
  EXPECT_EQ(Split("a//b", '/'), (Parts{"a", "", "b"}));
  EXPECT_EQ(Split("/a/", '/'), (Parts{"", "a", ""}));
  EXPECT_EQ(Split("", '/'), (Parts{""}));
  EXPECT_EQ(Split("no-separator", '/'), (Parts{"no-separator"}));
}

}  // namespace
}  // namespace imgbuild
