#include "builder/root_path.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

#include "layers/safe_path.h"
#include "util/error.h"

namespace imgbuild::builder {

std::string RealPath(const std::string& path) {
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) FailErrno("resolve " + path);
  return real;
}

std::optional<std::string> ResolveBelowRoot(int root_fd, const std::string& root_real,
                                            const std::string& path, struct stat* st) {
  UniqueFd fd = layers::TryOpenInRoot(root_fd, path, O_PATH);
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    FailErrno("resolve \"" + path + "\" in " + root_real);
  }
  if (fstat(fd.get(), st) != 0) FailErrno("stat \"" + path + "\" in " + root_real);
  // The kernel kept the walk inside the root, so the descriptor's path is
  // the root's real path plus the resolved path.
  std::string real = RealPath("/proc/self/fd/" + std::to_string(fd.get()));
  if (real == root_real) return "";
  std::string prefix = root_real == "/" ? "/" : root_real + "/";
  if (!real.starts_with(prefix)) {
    Fail("\"{}\" resolves to {}, outside {}; was the directory moved?", path, real, root_real);
  }
  return real.substr(prefix.size());
}

}  // namespace imgbuild::builder
