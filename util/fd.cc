#include "util/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.h"

namespace imgbuild {

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

UniqueFd OpenOrThrow(const std::string& path, int flags, int mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) FailErrno("open " + path);
  return UniqueFd(fd);
}

UniqueFd OpenAtOrThrow(int dir_fd, const std::string& path, int flags, int mode) {
  int fd = ::openat(dir_fd, path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) FailErrno("open " + path);
  return UniqueFd(fd);
}

void WriteAll(int fd, const void* data, size_t size, const std::string& what) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, bytes, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      FailErrno("write " + what);
    }
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

size_t ReadSome(int fd, void* data, size_t size, const std::string& what) {
  while (true) {
    ssize_t got = ::read(fd, data, size);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) FailErrno("read " + what);
  }
}

std::string ReadFileToString(const std::string& path, size_t max_size) {
  UniqueFd fd = OpenOrThrow(path, O_RDONLY);
  std::string bytes;
  char buffer[64 * 1024];
  while (size_t got = ReadSome(fd.get(), buffer, sizeof buffer, path)) {
    if (bytes.size() + got > max_size) {
      Fail("read {}: larger than the limit of {} bytes", path, max_size);
    }
    bytes.append(buffer, got);
  }
  return bytes;
}

}  // namespace imgbuild
