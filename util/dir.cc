#include "util/dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "util/error.h"
#include "util/fd.h"

namespace imgbuild {
namespace {

struct CloseDir {
  void operator()(DIR* dir) const { closedir(dir); }
};

}  // namespace

std::vector<std::string> ListDirectory(int dir_fd, const std::string& what) {
  // fdopendir takes ownership and shares the file offset, so list a fresh
  // descriptor of the same directory instead of a dup.
  int own_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (own_fd < 0) FailErrno("open directory " + what);
  std::unique_ptr<DIR, CloseDir> dir(fdopendir(own_fd));
  if (!dir) {
    close(own_fd);
    FailErrno("list directory " + what);
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = readdir(dir.get());
    if (entry == nullptr) break;
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    names.emplace_back(entry->d_name);
  }
  if (errno != 0) FailErrno("list directory " + what);
  return names;
}

std::vector<std::string> ListDirectorySorted(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    FailErrno("open directory " + path);
  }
  UniqueFd owned(fd);
  std::vector<std::string> names = ListDirectory(fd, path);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace imgbuild
