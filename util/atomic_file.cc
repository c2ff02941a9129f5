#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/file_lock.h"

namespace imgbuild {

TempFile::TempFile(const std::string& dir, const std::string& prefix) {
  std::string pattern = dir + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  int fd = mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) FailErrno("create temporary file " + pattern);
  fd_.Reset(fd);
  path_ = buffer.data();
  // Nobody else can hold a lock on a file that was just created.
  if (!FileLock::TryLockFd(fd, FileLock::Mode::kExclusive, path_)) {
    ::unlink(path_.c_str());
    Fail("lock temporary file {}: unexpectedly held by another process", path_);
  }
}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, "")) {}

TempFile::~TempFile() {
  if (!path_.empty()) ::unlink(path_.c_str());  // Best effort: a destructor must not throw.
}

void TempFile::Commit(const std::string& final_path, mode_t mode, Durability durability) {
  bool durable = durability == Durability::kDurable;
  if (durable) SyncFd(fd_.get(), path_);
  if (fchmod(fd_.get(), mode) != 0) FailErrno("chmod " + path_);
  if (::rename(path_.c_str(), final_path.c_str()) != 0) {
    FailErrno("rename " + path_ + " to " + final_path);
  }
  path_.clear();
  if (durable) SyncDirectory(ParentDirectory(final_path));
  fd_.Reset();
}

bool IsAbandonedTempFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    FailErrno("open " + path);
  }
  UniqueFd owned(fd);
  return FileLock::TryLockFd(fd, FileLock::Mode::kExclusive, path);
}

void WriteFileAtomically(const std::string& path, std::string_view bytes,
                         const std::string& temp_dir, mode_t mode, Durability durability) {
  std::string dir = temp_dir.empty() ? ParentDirectory(path) : temp_dir;
  TempFile file(dir, ".atomic-");
  WriteAll(file.fd(), bytes.data(), bytes.size(), file.path());
  file.Commit(path, mode, durability);
}

void SyncFd(int fd, const std::string& what) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) FailErrno("fsync " + what);
  }
}

void SyncDirectory(const std::string& dir) {
  UniqueFd fd = OpenOrThrow(dir, O_RDONLY | O_DIRECTORY);
  SyncFd(fd.get(), dir);
}

std::string ParentDirectory(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace imgbuild
