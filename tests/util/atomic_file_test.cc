#include "util/atomic_file.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild {
namespace {

size_t CountEntries(const std::string& dir) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

TEST(AtomicFileTest, ReplacesContentAndLeavesNoTempFile) {
  TempDir dir;
  std::string path = dir.path() + "/file.json";
  WriteFileAtomically(path, "first");
  WriteFileAtomically(path, "second", "", 0640);
  EXPECT_EQ(ReadFileToString(path, 100), "second");
  EXPECT_EQ(CountEntries(dir.path()), 1u);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0640u);
}

TEST(AtomicFileTest, AtomicOnlyReplacesContentWithTheGivenMode) {
  TempDir dir;
  std::string path = dir.path() + "/record.json";
  WriteFileAtomically(path, "old");
  WriteFileAtomically(path, "new", "", 0600, Durability::kAtomicOnly);
  EXPECT_EQ(ReadFileToString(path, 100), "new");
  EXPECT_EQ(CountEntries(dir.path()), 1u);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
}

TEST(AtomicFileTest, UsesTheGivenTempDirectory) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/tmp");
  WriteFileAtomically(dir.path() + "/f", "x", dir.path() + "/tmp");
  EXPECT_EQ(ReadFileToString(dir.path() + "/f", 10), "x");
  EXPECT_EQ(CountEntries(dir.path() + "/tmp"), 0u);
}

TEST(AtomicFileTest, UncommittedTempFileIsRemoved) {
  TempDir dir;
  std::string path;
  {
    TempFile file(dir.path(), "t-");
    path = file.path();
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(IsAbandonedTempFile(path)) << "a live temp file looked abandoned";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(AtomicFileTest, FailedCommitNamesBothPathsAndCleansUp) {
  TempDir dir;
  std::string temp_path;
  try {
    TempFile file(dir.path(), "t-");
    temp_path = file.path();
    file.Commit(dir.path() + "/missing/dir/f");
    ADD_FAILURE() << "renamed into a missing directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(temp_path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/missing/dir/f"), std::string::npos) << e.what();
  }
  EXPECT_EQ(CountEntries(dir.path()), 0u);
}

TEST(AtomicFileTest, TempFileOfDeadWriterIsAbandoned) {
  TempDir dir;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    TempFile file(dir.path(), "t-");
    _exit(0);  // Skips the destructor, like a crash.
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_EQ(CountEntries(dir.path()), 1u);
  std::string path = std::filesystem::directory_iterator(dir.path())->path();
  EXPECT_TRUE(IsAbandonedTempFile(path));
  EXPECT_FALSE(IsAbandonedTempFile(dir.path() + "/gone"));
}

TEST(AtomicFileTest, ParentDirectory) {
  EXPECT_EQ(ParentDirectory("/a/b/c"), "/a/b");
  EXPECT_EQ(ParentDirectory("/c"), "/");
  EXPECT_EQ(ParentDirectory("c"), ".");
}

TEST(ReadFileToStringTest, EnforcesTheSizeLimit) {
  TempDir dir;
  WriteFileAtomically(dir.path() + "/f", "12345");
  EXPECT_EQ(ReadFileToString(dir.path() + "/f", 5), "12345");
  EXPECT_THROW(ReadFileToString(dir.path() + "/f", 4), Error);
  EXPECT_THROW(ReadFileToString(dir.path() + "/missing", 4), Error);
}

}  // namespace
}  // namespace imgbuild
