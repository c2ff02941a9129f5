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

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_DIR_H_
