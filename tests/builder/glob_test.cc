// GlobMatch against Go's path/filepath match tests, HasWildcards and CleanPath.
#include "builder/glob.h"

#include <gtest/gtest.h>

#include <optional>

#include "util/error.h"

namespace imgbuild::builder {
namespace {

struct GlobCase {
  const char* pattern;
  const char* name;
  std::optional<bool> expected;  // nullopt: ErrBadPattern
};

constexpr std::optional<bool> kBad = std::nullopt;

TEST(GlobMatchTest, AgreesWithGoFilepathMatch) {
  const GlobCase cases[] = {
      {"abc", "abc", true},
      {"*", "abc", true},
      {"*c", "abc", true},
      {"a*", "a", true},
      {"a*", "abc", true},
      {"a*", "ab/c", false},
      {"a*/b", "abc/b", true},
      {"a*/b", "a/c/b", false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
      {"a*b?c*x", "abxbbxdbxebxczzx", true},
      {"a*b?c*x", "abxbbxdbxebxczzy", false},
      {"ab[c]", "abc", true},
      {"ab[b-d]", "abc", true},
      {"ab[e-g]", "abc", false},
      {"ab[^c]", "abc", false},
      {"ab[^b-d]", "abc", false},
      {"ab[^e-g]", "abc", true},
      {"a\\*b", "a*b", true},
      {"a\\*b", "ab", false},
      {"a?b", "a☺b", true},
      {"a[^a]b", "a☺b", true},
      {"a???b", "a☺b", false},
      {"a[^a][^a][^a]b", "a☺b", false},
      {"[a-ζ]*", "α", true},
      {"*[a-ζ]", "A", false},
      {"a?b", "a/b", false},
      {"a*b", "a/b", false},
      {"[\\]a]", "]", true},
      {"[\\-]", "-", true},
      {"[x\\-]", "x", true},
      {"[x\\-]", "-", true},
      {"[x\\-]", "z", false},
      {"[\\-x]", "x", true},
      {"[\\-x]", "-", true},
      {"[\\-x]", "a", false},
      {"[]a]", "]", kBad},
      {"[-]", "-", kBad},
      {"[x-]", "x", kBad},
      {"[x-]", "-", kBad},
      {"[x-]", "z", kBad},
      {"[-x]", "x", kBad},
      {"[-x]", "-", kBad},
      {"[-x]", "a", kBad},
      {"\\", "a", kBad},
      {"[a-b-c]", "a", kBad},
      {"[", "a", kBad},
      {"[^", "a", kBad},
      {"[^bc", "a", kBad},
      {"a[", "a", kBad},
      {"a[", "ab", kBad},
      {"a[", "x", kBad},
      {"a/b[", "x", kBad},
      {"*x", "xxx", true},
      {".*", ".hidden", true},
  };
  for (const GlobCase& test : cases) {
    EXPECT_EQ(GlobMatch(test.pattern, test.name), test.expected)
        << "pattern \"" << test.pattern << "\" name \"" << test.name << "\"";
  }
}

TEST(GlobMatchTest, HasWildcardsSkipsEscapes) {
  EXPECT_TRUE(HasWildcards("a*"));
  EXPECT_TRUE(HasWildcards("dir/?.txt"));
  EXPECT_TRUE(HasWildcards("[ab]"));
  EXPECT_FALSE(HasWildcards("plain/path.txt"));
  EXPECT_FALSE(HasWildcards("a\\*b"));
}

TEST(GlobMatchTest, CleanPathIsGoPathClean) {
  EXPECT_EQ(CleanPath(""), ".");
  EXPECT_EQ(CleanPath("a/b/"), "a/b");
  EXPECT_EQ(CleanPath("a//b/./c"), "a/b/c");
  EXPECT_EQ(CleanPath("a/../../b"), "../b");
  EXPECT_EQ(CleanPath("/../x"), "/x");
  EXPECT_EQ(CleanPath("/a/b/../.."), "/");
  EXPECT_EQ(CleanPath("./"), ".");
}

TEST(PathPatternTest, MalformedPatternThrows) {
  EXPECT_THROW(PathPattern("a["), Error);
  EXPECT_NO_THROW(PathPattern("a[b]"));
}

}  // namespace
}  // namespace imgbuild::builder
