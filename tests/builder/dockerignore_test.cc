// IgnoreRules: the table of Docker's .dockerignore behaviour, parse errors,
// and which ignore file a build uses.
#include "builder/dockerignore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "tests/layers/layer_test_util.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using ::testing::HasSubstr;
using layers::testing::WriteFile;

// ---------------------------------------------------------------------------
// testdata/builder/dockerignore.table; its header comment documents the format.

std::string Trim(std::string_view text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

std::string Unpicture(std::string text) {
  for (size_t at = text.find("␣"); at != std::string::npos; at = text.find("␣", at + 1)) {
    text.replace(at, std::string_view("␣").size(), 1, ' ');
  }
  return text;
}

// Runs one case line against the rules; returns the mismatch, or "".
std::string RunCase(const IgnoreRules& rules, const std::string& path, const std::string& want) {
  std::string got;
  if (want == "excluded" || want == "included") {
    got = rules.Excluded(path) ? "excluded" : "included";
  } else if (want == "open" || want == "closed") {
    got = rules.MayReincludeBelow(path) ? "open" : "closed";
  } else {
    return "RESULT must be excluded, included, open or closed, not \"" + want + "\"";
  }
  return got == want ? "" : "\"" + path + "\" is " + got + ", expected " + want;
}

TEST(DockerignoreTable, MatchesDocker) {
  const std::string path = IMGBUILD_SOURCE_DIR "/testdata/builder/dockerignore.table";
  std::ifstream file(path);
  ASSERT_TRUE(file.is_open()) << "cannot open " << path;
  std::string ignore_text;
  std::optional<IgnoreRules> rules;
  int cases = 0;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed == "#" || trimmed.starts_with("# ")) continue;
    if (trimmed == "RULES") {
      ignore_text.clear();
      rules.reset();
      continue;
    }
    if (trimmed == "IGNORE" || trimmed.starts_with("IGNORE ")) {
      ignore_text += Unpicture(line.substr(std::min(line.size(), line.find("IGNORE") + 7))) + "\n";
      rules.reset();
      continue;
    }
    size_t bar = trimmed.find('|');
    if (bar == std::string::npos) {
      ADD_FAILURE_AT(path.c_str(), number) << "a case is PATH | RESULT: " << trimmed;
      continue;
    }
    try {
      if (!rules) rules = IgnoreRules::Parse(ignore_text, "table");
      std::string problem =
          RunCase(*rules, Unpicture(Trim(trimmed.substr(0, bar))), Trim(trimmed.substr(bar + 1)));
      if (!problem.empty()) ADD_FAILURE_AT(path.c_str(), number) << problem;
    } catch (const Error& error) {
      ADD_FAILURE_AT(path.c_str(), number) << error.what();
    }
    ++cases;
  }
  EXPECT_GT(cases, 80) << "the table lost its cases";
}

// ---------------------------------------------------------------------------

TEST(IgnoreRulesTest, EmptyRulesExcludeNothing) {
  IgnoreRules rules = IgnoreRules::Parse("# only a comment\n\n", ".dockerignore");
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(rules.Excluded("anything"));
  EXPECT_FALSE(IgnoreRules().Excluded("x"));
}

TEST(IgnoreRulesTest, TheRootIsNeverExcluded) {
  IgnoreRules rules = IgnoreRules::Parse("**\n", ".dockerignore");
  EXPECT_FALSE(rules.Excluded(""));
  EXPECT_TRUE(rules.Excluded("a"));
}

TEST(IgnoreRulesTest, MalformedPatternNamesFileAndLine) {
  try {
    IgnoreRules::Parse("ok\n# comment\nbad[\n", "ctx/.dockerignore");
    FAIL() << "an unterminated class was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("ctx/.dockerignore:3"));
    EXPECT_THAT(error.what(), HasSubstr("bad["));
  }
  EXPECT_THROW(IgnoreRules::Parse("a\\", "x"), Error);
}

TEST(IgnoreRulesTest, LoneBangIsAnError) {
  try {
    IgnoreRules::Parse("a\n  !  \n", ".dockerignore");
    FAIL() << "a lone ! was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr(".dockerignore:2"));
    EXPECT_THAT(error.what(), HasSubstr("illegal exclusion pattern"));
  }
}

TEST(IgnoreRulesTest, ByteOrderMarkAndCarriageReturnsAreIgnored) {
  IgnoreRules rules = IgnoreRules::Parse("\xEF\xBB\xBF" "first\r\nsecond\r\n", "x");
  EXPECT_TRUE(rules.Excluded("first"));
  EXPECT_TRUE(rules.Excluded("second"));
}

TEST(IgnoreRulesTest, ExcludePatternsAreCleanedButKeepTheirSlash) {
  IgnoreRules rules = IgnoreRules::FromPatterns({"*.txt", " tmp/ ", "!keep.txt"}, "COPY");
  EXPECT_TRUE(rules.Excluded("a.txt"));
  EXPECT_FALSE(rules.Excluded("keep.txt"));
  EXPECT_TRUE(rules.Excluded("tmp/x"));
  EXPECT_THROW(IgnoreRules::FromPatterns({"["}, "COPY --exclude"), Error);
}

TEST(IgnoreRulesTest, CheckCarriesParentState) {
  IgnoreRules rules = IgnoreRules::Parse("dir\n!dir/keep\n", "x");
  IgnoreRules::State dir = rules.Check("dir", IgnoreRules::State());
  EXPECT_TRUE(dir.excluded);
  EXPECT_FALSE(rules.Check("dir/keep", dir).excluded);
  EXPECT_TRUE(rules.Check("dir/drop", dir).excluded);
  EXPECT_TRUE(rules.StateOf("dir/drop").excluded);
}

class IgnoreFileTest : public ::testing::Test {
 protected:
  TempDir dir_{"imgbuild-ignore-"};
  std::string context_ = dir_.path();
};

TEST_F(IgnoreFileTest, NoFileMeansNoRules) {
  EXPECT_TRUE(IgnoreRules::ForBuild(context_, context_ + "/Dockerfile").empty());
}

TEST_F(IgnoreFileTest, ContextDockerignoreIsRead) {
  WriteFile(context_ + "/.dockerignore", "*.log\n");
  IgnoreRules rules = IgnoreRules::ForBuild(context_, context_ + "/Dockerfile");
  EXPECT_TRUE(rules.Excluded("a.log"));
}

TEST_F(IgnoreFileTest, RecipeSpecificFileTakesPrecedence) {
  WriteFile(context_ + "/.dockerignore", "*.log\n");
  WriteFile(context_ + "/app.Dockerfile.dockerignore", "*.tmp\n");
  IgnoreRules rules = IgnoreRules::ForBuild(context_, context_ + "/app.Dockerfile");
  EXPECT_TRUE(rules.Excluded("a.tmp"));
  EXPECT_FALSE(rules.Excluded("a.log"));
  // Another recipe still uses the context's file.
  EXPECT_TRUE(IgnoreRules::ForBuild(context_, context_ + "/Dockerfile").Excluded("a.log"));
}

TEST_F(IgnoreFileTest, MalformedFileNamesItself) {
  WriteFile(context_ + "/.dockerignore", "[\n");
  try {
    IgnoreRules::ForBuild(context_, "-");
    FAIL() << "a malformed .dockerignore was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr(context_ + "/.dockerignore:1"));
  }
}

}  // namespace
}  // namespace imgbuild::builder
