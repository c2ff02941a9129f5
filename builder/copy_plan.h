// What PrepareCopy selected and ApplyCopy writes: the sources of one
// COPY/ADD as units (one per matched source, download or heredoc), each a
// list of filesystem objects as lstat saw them, plus the canonical listing
// their content digest is computed from. Internal to copy_step.
#ifndef IMGBUILD_BUILDER_COPY_PLAN_H_
#define IMGBUILD_BUILDER_COPY_PLAN_H_

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <string>
#include <string_view>
#include <vector>

#include "layers/digest.h"

namespace imgbuild::builder {

/// One object to write.
struct CopyObject {
  std::string rel;     ///< Path below the unit's destination; "" is the unit's top.
  std::string source;  ///< Path below the unit's host root, read again by ApplyCopy.
  mode_t mode = 0;     ///< File type and permission bits.
  uid_t uid = 0;
  gid_t gid = 0;
  struct timespec mtime {};
  dev_t rdev = 0;
  off_t size = 0;
  std::string link_target;  ///< Symlinks.
  std::string digest;       ///< Regular files: "sha256:<hex>" of the content.
  int hardlink_to = -1;     ///< Index of an earlier object of the unit with the same inode.
};

/// One selected source.
struct CopyUnit {
  enum class Kind {
    kObjects,  ///< Written object by object.
    kArchive,  ///< ADD: objects[0] is an archive extracted into the destination.
  };
  Kind kind = Kind::kObjects;
  std::string host_root;  ///< Host directory that `CopyObject::source` paths are below.
  std::string name;       ///< Its name inside a destination directory.
  /// A directory (or --parents pivot): objects[0] is it and is not written;
  /// the other objects go into the destination directory.
  bool contents_only = false;
  bool keep_owners = false;  ///< Stages keep owners; context files become 0:0.
  std::vector<CopyObject> objects;
};

/// `parent` + "/" + `name`, or `name` when `parent` is "".
std::string JoinPath(std::string_view parent, std::string_view name);

/// The last component of a "/"-separated path.
std::string_view BaseName(std::string_view path);

/// Fills a CopyObject's stat fields from `st`.
void SetObjectStat(CopyObject& object, const struct stat& st);

/// sha256 over a canonical, length-prefixed listing of `units`: kinds,
/// names, relative paths, types, permission bits, owners where kept, link
/// targets, device numbers, hardlink targets and content digests; never
/// mtimes, inode numbers or host paths.
layers::Digest DigestUnits(const std::vector<CopyUnit>& units);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_COPY_PLAN_H_
