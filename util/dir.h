// Listing directories through file descriptors.
#ifndef IMGBUILD_UTIL_DIR_H_
#define IMGBUILD_UTIL_DIR_H_

#include <string>
#include <vector>

namespace imgbuild {

/// Returns the names in the directory open as `dir_fd` (without "." and
/// ".."), in readdir order. `dir_fd` stays open and owned by the caller.
/// Throws Error naming `what` (usually the directory's path) on failure.
std::vector<std::string> ListDirectory(int dir_fd, const std::string& what);

/// Returns the names in the directory at `path`, sorted by byte value; a
/// missing directory has none. Throws Error naming `path` on other failures.
std::vector<std::string> ListDirectorySorted(const std::string& path);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_DIR_H_
