// ChmodSpec: octal and chmod(1) symbolic modes, applied to files and
// directories.
#include "parser/chmod.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::parser {
namespace {

using ::testing::HasSubstr;

struct ChmodCase {
  std::string_view spec;
  uint32_t mode;
  bool is_directory;
  uint32_t expected;
};

TEST(ChmodSpecTest, AppliesLikeChmod) {
  const ChmodCase cases[] = {
      {"755", 0644, false, 0755},
      {"0644", 0777, true, 0644},
      {"4755", 0, false, 04755},
      {"0", 0777, false, 0},
      {"u=rwx,g=rx,o=", 0666, false, 0750},
      {"+x", 0644, false, 0755},
      {"a+x", 0600, false, 0711},
      {"a-w", 0666, false, 0444},
      {"go-w", 0666, false, 0644},
      {"u+X", 0644, false, 0644},   // X: no execute bit, not a directory
      {"u+X", 0654, false, 0754},   // X: some execute bit is set
      {"a+X", 0644, true, 0755},    // X: a directory
      {"u=rw,go=r", 0777, false, 0644},
      {"o=u", 0750, false, 0757},   // copy the owner's bits
      {"g=u-w", 0750, false, 0750},
      {"u+s", 0755, false, 04755},
      {"g+s", 0755, true, 02755},
      {"+t", 0777, true, 01777},
      {"o+t", 0777, true, 01777},
      {"u-s", 04755, false, 0755},
      {"u=rwx", 04755, false, 0755},  // = clears the set-id bit of the class
      {"ug+rw,o-rwx", 0604, false, 0660},
      {"u+r-w+x", 0200, false, 0500},
      {"a=", 0777, false, 0},
      {"ugo=r", 0777, false, 0444},
  };
  for (const ChmodCase& c : cases) {
    EXPECT_EQ(ChmodSpec::Parse(c.spec).Apply(c.mode, c.is_directory), c.expected)
        << c.spec << " on " << std::oct << c.mode << (c.is_directory ? " (dir)" : "");
  }
}

TEST(ChmodSpecTest, FileTypeBitsAreIgnored) {
  EXPECT_EQ(ChmodSpec::Parse("go-w").Apply(0100666, false), 0644u);
}

TEST(ChmodSpecTest, KeepsTextAndForm) {
  ChmodSpec octal = ChmodSpec::Parse("0755");
  EXPECT_EQ(octal.text(), "0755");
  EXPECT_TRUE(octal.is_octal());
  EXPECT_FALSE(ChmodSpec::Parse("u+x").is_octal());
}

TEST(ChmodSpecTest, RejectsWhatChmodRejects) {
  for (std::string_view bad : {"", "rwx", "u", "u+q", "8", "0o755", "u+x,", ",u+x", "u+x g+x", "x+u", "-755",
                               "u=rwx,,g=r"}) {
    EXPECT_THROW(ChmodSpec::Parse(bad), Error) << bad;
  }
  try {
    ChmodSpec::Parse("u+q");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalid --chmod value \"u+q\""));
    EXPECT_THAT(e.what(), HasSubstr("u=rwx,g=rx,o="));
  }
}

TEST(ChmodSpecTest, OctalAboveSevenSevenSevenSevenIsRejected) {
  EXPECT_NO_THROW(ChmodSpec::Parse("7777"));
  EXPECT_NO_THROW(ChmodSpec::Parse("00000000000000755"));
  try {
    ChmodSpec::Parse("17777");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("between 0 and 07777"));
  }
  EXPECT_THROW(ChmodSpec::Parse("777777777777777777777"), Error);
}

}  // namespace
}  // namespace imgbuild::parser
