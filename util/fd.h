// RAII ownership of a file descriptor.
#ifndef IMGBUILD_UTIL_FD_H_
#define IMGBUILD_UTIL_FD_H_

#include <string>
#include <utility>

namespace imgbuild {

/// Owns one file descriptor and closes it when destroyed.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
  /// Closes the current descriptor (if any) and takes `fd`.
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// open(2) that throws Error naming `path` on failure. O_CLOEXEC is added.
UniqueFd OpenOrThrow(const std::string& path, int flags, int mode = 0644);

/// openat(2) relative to `dir_fd`, throwing Error naming `path`. O_CLOEXEC is added.
UniqueFd OpenAtOrThrow(int dir_fd, const std::string& path, int flags, int mode = 0644);

/// Writes all of `size` bytes, retrying short writes and EINTR. Throws
/// Error naming `what` (usually the path) on failure.
void WriteAll(int fd, const void* data, size_t size, const std::string& what);

/// Reads up to `size` bytes, retrying EINTR; returns 0 at end of file.
/// Throws Error naming `what` on failure.
size_t ReadSome(int fd, void* data, size_t size, const std::string& what);

/// Reads the whole file at `path`. Throws Error naming `path` when it cannot
/// be read or holds more than `max_size` bytes (a guard for untrusted files).
std::string ReadFileToString(const std::string& path, size_t max_size);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_FD_H_
