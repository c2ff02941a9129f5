#include "util/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "util/error.h"

namespace imgbuild {
namespace {

int Operation(FileLock::Mode mode) {
  return mode == FileLock::Mode::kShared ? LOCK_SH : LOCK_EX;
}

}  // namespace

FileLock FileLock::Acquire(const std::string& path, Mode mode) {
  UniqueFd fd = OpenOrThrow(path, O_RDWR | O_CREAT, 0644);
  while (flock(fd.get(), Operation(mode)) != 0) {
    if (errno != EINTR) FailErrno("lock " + path);
  }
  return FileLock(std::move(fd));
}

bool FileLock::TryLockFd(int fd, Mode mode, const std::string& what) {
  while (flock(fd, Operation(mode) | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) FailErrno("lock " + what);
  }
  return true;
}

}  // namespace imgbuild
