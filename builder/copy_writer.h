// Writing selected COPY/ADD units into a root filesystem with BuildKit's
// destination rules (fsutil's copy): a file goes to the destination, or
// into it when it is a directory; a directory's contents merge into the
// destination; missing parents are created 0755 (owned by --chown's user,
// else root); the destination path resolves inside the root, its final
// symlink included, while nothing below it is followed; an existing file is
// replaced, an existing directory keeps its place but takes the copied
// directory's metadata.
#ifndef IMGBUILD_BUILDER_COPY_WRITER_H_
#define IMGBUILD_BUILDER_COPY_WRITER_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "builder/copy_plan.h"
#include "layers/safe_path.h"
#include "parser/chmod.h"
#include "util/fd.h"

namespace imgbuild::builder {

/// Owner and mode rules for what is written.
struct WriteRules {
  std::optional<uid_t> uid;  ///< --chown user; the group defaults to it.
  std::optional<gid_t> gid;  ///< --chown group.
  const parser::ChmodSpec* chmod = nullptr;  ///< --chmod; null when absent.
  std::string where;         ///< "file:line: COPY", prefixed to errors.
};

/// Writes units into one root filesystem.
class CopyWriter {
 public:
  /// Opens the root filesystem at `rootfs`. Throws Error naming it.
  CopyWriter(const std::string& rootfs, WriteRules rules);

  /// Writes `unit` at `destination` (clean, relative to the root; "" is
  /// "/"): into it when `into_directory` or when it is an existing
  /// directory, else as it. Throws Error naming the path that failed.
  void Write(const CopyUnit& unit, const std::string& destination, bool into_directory);

 private:
  struct OpenDir;
  UniqueFd MakeDirectories(const std::string& path);
  std::string FollowDanglingSymlinks(std::string path) const;
  std::optional<std::string> RedirectDangling(const std::string& path) const;
  std::optional<std::string> DanglingTarget(const std::string& path) const;
  void WriteTree(const CopyUnit& unit, int host_fd, int dest_fd, const std::string& dest);
  void WriteSingle(const CopyUnit& unit, int host_fd, const std::string& destination,
                   bool into_directory);
  void WriteArchive(const CopyUnit& unit, const std::string& destination);
  UniqueFd WriteDirectory(const CopyUnit& unit, int host_fd, const CopyObject& object,
                          int parent_fd, const std::string& name, const std::string& shown);
  void WriteNonDirectory(const CopyUnit& unit, int host_fd, const CopyObject& object,
                         int parent_fd, const std::string& name, const std::string& shown);
  void ReplaceNonDirectory(int parent_fd, const std::string& name, const std::string& shown);
  std::pair<uid_t, gid_t> Owner(const CopyUnit& unit, const CopyObject& object) const;
  mode_t Permissions(const CopyObject& object) const;
  void SetMetadata(const CopyUnit& unit, const CopyObject& object, int fd, int source_fd,
                   const std::string& shown);

  UniqueFd root_fd_;
  std::string root_real_;
  WriteRules rules_;
  std::optional<layers::DirOwner> created_owner_;  // for created parent directories
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_COPY_WRITER_H_
