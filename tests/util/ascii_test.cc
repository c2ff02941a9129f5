#include "util/ascii.h"

#include <gtest/gtest.h>

namespace imgbuild {
namespace {

TEST(AsciiTest, ChangesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("COPY --From=Build_1.x"), "copy --from=build_1.x");
  EXPECT_EQ(AsciiUpper("onbuild run \xC3\xA9t\xC3\xA9"), "ONBUILD RUN \xC3\xA9T\xC3\xA9");
  EXPECT_EQ(AsciiLower(""), "");
}

}  // namespace
}  // namespace imgbuild
