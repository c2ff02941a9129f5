#include "util/file_lock.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild {
namespace {

// Whether a fresh open file description of `path` can take `mode` now.
bool CanLock(const std::string& path, FileLock::Mode mode) {
  UniqueFd fd = OpenOrThrow(path, O_RDONLY);
  return FileLock::TryLockFd(fd.get(), mode, path);
}

TEST(FileLockTest, ExclusiveExcludesEveryoneUntilReleased) {
  TempDir dir;
  std::string path = dir.path() + "/lock";
  {
    FileLock lock = FileLock::Acquire(path, FileLock::Mode::kExclusive);
    EXPECT_FALSE(CanLock(path, FileLock::Mode::kShared));
    EXPECT_FALSE(CanLock(path, FileLock::Mode::kExclusive));
  }
  EXPECT_TRUE(CanLock(path, FileLock::Mode::kExclusive));
}

TEST(FileLockTest, SharedLocksCoexistButExcludeWriters) {
  TempDir dir;
  std::string path = dir.path() + "/lock";
  FileLock first = FileLock::Acquire(path, FileLock::Mode::kShared);
  FileLock second = FileLock::Acquire(path, FileLock::Mode::kShared);
  EXPECT_FALSE(CanLock(path, FileLock::Mode::kExclusive));
}

TEST(FileLockTest, SerialisesProcesses) {
  TempDir dir;
  std::string path = dir.path() + "/lock";
  FileLock lock = FileLock::Acquire(path, FileLock::Mode::kExclusive);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(CanLock(path, FileLock::Mode::kExclusive) ? 1 : 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child got a held lock";
}

TEST(FileLockTest, FailsNamingThePath) {
  try {
    FileLock::Acquire("/nonexistent-dir/lock", FileLock::Mode::kShared);
    ADD_FAILURE() << "locked a file in a missing directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/lock"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace imgbuild
