#include "builder/workdir_step.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "layers/safe_path.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

void CreateComponent(int parent_fd, const std::string& name, const std::string& path,
                     const WorkdirOwner& owner) {
  if (::mkdirat(parent_fd, name.c_str(), 0755) != 0) FailErrno("WORKDIR: create " + path);
  // The process umask must not decide the mode.
  if (::fchmodat(parent_fd, name.c_str(), 0755, 0) != 0) FailErrno("WORKDIR: chmod " + path);
  if (::fchownat(parent_fd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno("WORKDIR: chown " + path);
  }
  if (owner.mtime) {
    timespec times[2] = {{*owner.mtime, 0}, {*owner.mtime, 0}};
    if (::utimensat(parent_fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      FailErrno("WORKDIR: set the time of " + path);
    }
  }
}

}  // namespace

void CreateWorkdir(const std::string& rootfs, const std::string& dir, const WorkdirOwner& owner) {
  UniqueFd root = OpenOrThrow(rootfs, O_PATH | O_DIRECTORY);
  UniqueFd parent = OpenOrThrow(rootfs, O_PATH | O_DIRECTORY);
  std::string path;
  for (const std::string& name : Split(dir, '/')) {
    if (name.empty() || name == ".") continue;
    path += "/" + name;
    UniqueFd next = layers::TryOpenInRoot(root.get(), path.substr(1), O_PATH | O_DIRECTORY);
    if (!next.valid() && errno == ENOENT) {
      CreateComponent(parent.get(), name, path, owner);
      next = layers::TryOpenInRoot(root.get(), path.substr(1), O_PATH | O_DIRECTORY);
    }
    if (!next.valid()) {
      if (errno == ENOTDIR || errno == EEXIST) {
        Fail("WORKDIR {}: {} exists and is not a directory", dir, path);
      }
      FailErrno("WORKDIR: open " + path);
    }
    parent = std::move(next);
  }
}

}  // namespace imgbuild::builder
