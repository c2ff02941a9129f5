#include "util/dir.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild {
namespace {

TEST(ListDirectoryTest, ListsNamesWithoutDotEntriesAndKeepsTheFdUsable) {
  TempDir temp("dir-");
  ASSERT_EQ(mkdir((temp.path() + "/sub").c_str(), 0755), 0);
  OpenOrThrow(temp.path() + "/file", O_WRONLY | O_CREAT);
  UniqueFd fd = OpenOrThrow(temp.path(), O_RDONLY | O_DIRECTORY);
  std::vector<std::string> names = ListDirectory(fd.get(), temp.path());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"file", "sub"}));
  EXPECT_EQ(ListDirectory(fd.get(), temp.path()).size(), 2u);  // listing twice works
}

TEST(ListDirectoryTest, NamesTheDirectoryOnFailure) {
  UniqueFd fd = OpenOrThrow("/dev/null", O_RDONLY);
  try {
    ListDirectory(fd.get(), "/dev/null");
    ADD_FAILURE() << "listed a device";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("/dev/null"), std::string::npos);
  }
}

TEST(ListDirectorySortedTest, SortsByByteValueAndTreatsMissingAsEmpty) {
  TempDir temp("dir-");
  for (const char* name : {"b", "B", "a-b", "a.b", "\xc3\xa9"}) {
    OpenOrThrow(temp.path() + "/" + name, O_WRONLY | O_CREAT);
  }
  EXPECT_EQ(ListDirectorySorted(temp.path()),
            (std::vector<std::string>{"B", "a-b", "a.b", "b", "\xc3\xa9"}));
  EXPECT_TRUE(ListDirectorySorted(temp.path() + "/missing").empty());
  EXPECT_THROW(ListDirectorySorted("/dev/null"), Error);
}

}  // namespace
}  // namespace imgbuild
