// WORKDIR: BuildKit creates the directory (with its parents, 0755, owned by
// the stage's USER) as a file operation of its own, so WORKDIR makes a
// layer. This creates it inside a mounted root file system.
#ifndef IMGBUILD_BUILDER_WORKDIR_STEP_H_
#define IMGBUILD_BUILDER_WORKDIR_STEP_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace imgbuild::builder {

/// Who owns the directories WORKDIR creates, and their mtime.
struct WorkdirOwner {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<int64_t> mtime;  ///< SOURCE_DATE_EPOCH; unset: now.
};

/// Creates the absolute directory `dir` and its missing parents (mode 0755,
/// `owner`) under `rootfs`, resolving symlinks inside it; existing
/// directories are left alone. Throws Error naming the path when a
/// component exists and is not a directory or creation fails.
void CreateWorkdir(const std::string& rootfs, const std::string& dir, const WorkdirOwner& owner);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_WORKDIR_STEP_H_
