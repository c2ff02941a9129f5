// Resolving layer paths inside a target directory so that nothing a layer
// says (".." components, absolute names, symlinked parents) can reach
// outside it. Resolution uses openat2(RESOLVE_IN_ROOT): every symlink,
// absolute or relative, resolves as if the target were "/", like
// containerd's fs.RootPath, but enforced by the kernel.
#ifndef IMGBUILD_LAYERS_SAFE_PATH_H_
#define IMGBUILD_LAYERS_SAFE_PATH_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "util/fd.h"

namespace imgbuild::layers {

/// Normalises a tar member name or hardlink target to a relative path
/// without "", "." components or trailing slash; the root is "". Throws
/// Error quoting `name` and calling it `role` ("path", "hardlink target")
/// when it is absolute or has a ".." component.
std::string CleanLayerPath(std::string_view name, std::string_view role = "path");

/// Splits a clean path into its parent ("" at top level) and base name.
std::pair<std::string_view, std::string_view> SplitParent(std::string_view path);

/// openat2(root_fd, path, flags) with RESOLVE_IN_ROOT and no magic links.
/// `path` "" opens the root itself. Returns an invalid UniqueFd with errno
/// set when the path cannot be opened. Throws Error when the kernel lacks
/// openat2 (Linux < 5.6).
UniqueFd TryOpenInRoot(int root_fd, const std::string& path, int flags);

/// Who owns the directories OpenDirInRoot creates.
struct DirOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Opens the directory at clean `path` below `root_fd` for *at calls.
/// With `create`, missing components are made (mode 0755, owned by
/// `owner` when given, else by the caller) and failure throws Error saying
/// which component is a file or a dangling symlink; without it, a missing
/// directory yields an invalid UniqueFd.
UniqueFd OpenDirInRoot(int root_fd, const std::string& path, bool create,
                       const std::optional<DirOwner>& owner = std::nullopt);

/// Removes `name` from the directory `dir_fd`, with all its content when it
/// is a directory, never following symlinks. A missing name is not an error.
/// Throws Error naming `what` (the path shown to users) on failure.
void RemoveAllAt(int dir_fd, const std::string& name, const std::string& what);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_SAFE_PATH_H_
