// Advisory whole-file locks (flock) that serialise processes sharing a
// directory, e.g. two imgbuild processes using one store.
#ifndef IMGBUILD_UTIL_FILE_LOCK_H_
#define IMGBUILD_UTIL_FILE_LOCK_H_

#include <string>

#include "util/fd.h"

namespace imgbuild {

/// Holds an flock(2) on a file until destroyed. flock locks belong to the
/// open file description, so two FileLocks conflict even inside one process
/// (threads behave like processes); never take a second lock on the same
/// file while holding one, it would wait forever.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  /// Opens (creating, mode 0644) `path` and waits until the lock is granted.
  /// Throws Error naming `path` when the file cannot be opened or locked.
  static FileLock Acquire(const std::string& path, Mode mode);
  /// Like Acquire on an already open descriptor (not owned); returns false
  /// instead of waiting when another holder conflicts.
  static bool TryLockFd(int fd, Mode mode, const std::string& what);

  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // Closing the descriptor releases the lock.
};

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_FILE_LOCK_H_
