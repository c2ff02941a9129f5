// Where a path leads inside a directory treated as "/", like containerd's
// fs.RootPath that BuildKit resolves COPY sources and destinations with,
// but enforced by the kernel (openat2 RESOLVE_IN_ROOT).
#ifndef IMGBUILD_BUILDER_ROOT_PATH_H_
#define IMGBUILD_BUILDER_ROOT_PATH_H_

#include <sys/stat.h>

#include <optional>
#include <string>

namespace imgbuild::builder {

/// realpath(3); throws Error naming `path`.
std::string RealPath(const std::string& path);

/// Follows every symlink of `path` (clean, relative; "" is the root) below
/// the directory open as `root_fd`, whose real path is `root_real`, the
/// final component's too, never leaving the root. Returns the resolved
/// path relative to the root ("" for the root itself) and fills `st`, or
/// nullopt when it leads to nothing. Throws Error naming the path for
/// other failures (a symlink loop, permissions).
std::optional<std::string> ResolveBelowRoot(int root_fd, const std::string& root_real,
                                            const std::string& path, struct stat* st);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_ROOT_PATH_H_
