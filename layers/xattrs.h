// Extended attributes as layers carry them: which ones belong in a layer,
// and reading them from disk without following symlinks.
#ifndef IMGBUILD_LAYERS_XATTRS_H_
#define IMGBUILD_LAYERS_XATTRS_H_

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::layers {

/// One extended attribute; `value` is binary.
struct Xattr {
  std::string name;
  std::string value;
};

/// True when an xattr travels inside a layer: "security.capability" (file
/// capabilities) and "user.*", except overlayfs bookkeeping ("user.overlay.*").
/// Everything else (security.selinux, trusted.*, system.*) is host state.
bool IsLayerXattr(std::string_view name);

/// Chooses which xattrs ReadXattrs reads, by name.
using XattrFilter = bool (*)(std::string_view name);

/// Reads the xattrs of the file open as `fd`, or, when `fd` is -1, of `path`
/// itself (a symlink is not followed), keeping those `keep` accepts. Replaces
/// `out` with them sorted by name. A file system without xattr support yields
/// none. Throws Error naming `path` on other failures.
void ReadXattrs(int fd, const std::string& path, XattrFilter keep, std::vector<Xattr>& out);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_XATTRS_H_
