#include "util/human_size.h"

#include <gtest/gtest.h>

namespace imgbuild {
namespace {

TEST(HumanSizeTest, UsesBinaryUnits) {
  EXPECT_EQ(HumanSize(0), "0 B");
  EXPECT_EQ(HumanSize(1023), "1023 B");
  EXPECT_EQ(HumanSize(1536), "1.5 KiB");
  EXPECT_EQ(HumanSize(int64_t{3} << 30), "3.0 GiB");
  EXPECT_EQ(HumanSize(int64_t{5} << 50), "5120.0 TiB");
}

}  // namespace
}  // namespace imgbuild
