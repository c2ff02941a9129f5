#include "util/error.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace imgbuild {
namespace {

TEST(ErrorTest, FailFormatsMessage) {
  try {
    Fail("cannot open {}: {}", "/x", 3);
    FAIL() << "Fail returned";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cannot open /x: 3");
  }
}

TEST(ErrorTest, FailErrnoNamesTheSyscallError) {
  errno = ENOENT;
  try {
    FailErrno("open /missing");
    FAIL() << "FailErrno returned";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "open /missing: No such file or directory");
  }
}

}  // namespace
}  // namespace imgbuild
