#include "util/boot_id.h"

#include <gtest/gtest.h>

namespace imgbuild {
namespace {

TEST(BootIdTest, IsTheKernelsUuidAndStable) {
  std::string id = CurrentBootId();
  ASSERT_EQ(id.size(), 36u) << "expected a UUID from /proc/sys/kernel/random/boot_id, got \""
                            << id << "\" (is /proc mounted?)";
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id.find('\n'), std::string::npos);
  EXPECT_EQ(CurrentBootId(), id);
}

}  // namespace
}  // namespace imgbuild
