// What goes into a layer, decided before any byte is written: every entry
// with its tar name and the on-disk object it comes from, sorted by name so
// the tar bytes do not depend on readdir order.
#ifndef IMGBUILD_LAYERS_LAYER_PLAN_H_
#define IMGBUILD_LAYERS_LAYER_PLAN_H_

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "layers/whiteout.h"

namespace imgbuild::layers {

/// Owner and permission bits to force on entries (COPY --chown/--chmod).
struct MetadataOverride {
  std::optional<uid_t> uid = std::nullopt;
  std::optional<gid_t> gid = std::nullopt;
  /// Permission bits (07777); not applied to symlinks.
  std::optional<mode_t> mode = std::nullopt;
};

/// The parts of lstat(2) a tar header needs; smaller than struct stat,
/// which matters when a plan holds a whole root filesystem.
struct FileMeta {
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t size = 0;
  int64_t mtime = 0;  ///< seconds: layers carry whole-second mtimes
  dev_t rdev = 0;
  nlink_t nlink = 0;
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;

  /// Copies the fields from a stat result.
  static FileMeta From(const struct stat& st);
};

/// How an entry's content is produced.
enum class PlannedKind {
  kFromDisk,         ///< the object at `source`, as it is
  kWhiteoutMarker,   ///< an empty regular file (".wh.NAME" or ".wh..wh..opq")
};

/// One tar entry to write.
struct PlannedEntry {
  /// Tar member name: relative, "/" appended for directories.
  std::string name;
  /// The object on disk; for markers, the whiteout device or opaque directory
  /// whose owner, permissions and mtime the marker takes.
  std::string source = {};
  FileMeta meta = {};
  PlannedKind kind = PlannedKind::kFromDisk;
  /// Null when metadata is taken from disk; points into the caller's entries.
  const MetadataOverride* override = nullptr;
};

/// Every entry of a layer in write order, plus what was left out and why.
struct LayerPlan {
  std::vector<PlannedEntry> entries;
  /// Human-readable notes about skipped objects (sockets).
  std::vector<std::string> notes;
};

/// Plans a layer holding the contents of `dir` (not `dir` itself) at the
/// layer root. Throws Error naming the path when the tree cannot be read or
/// holds a name starting with ".wh.", which layers reserve for whiteouts.
LayerPlan PlanDirectory(const std::string& dir);

/// Plans a layer from an overlayfs upper directory: char devices 0/0 become
/// ".wh.NAME" markers and directories whose opaque xattr (in `flavour`'s
/// namespace) is "y" get a ".wh..wh..opq" marker. Throws like PlanDirectory.
LayerPlan PlanOverlayUpper(const std::string& upper, OverlayXattrs flavour);

/// One object to put in a layer at an explicit place (COPY).
struct CopyEntry {
  /// Path on disk; a symlink is taken as a symlink, not followed.
  std::string source = {};
  /// Path in the layer; a leading "/" is ignored, ".." is refused.
  std::string destination = {};
  /// A directory source brings its whole tree; false takes the directory alone.
  bool recursive = true;
  /// Applied to the entry and, when recursive, to everything below it.
  MetadataOverride override = {};
};

/// Plans a layer from explicit entries. When two entries (or trees) put
/// something at the same layer path the later one wins. Parent directories
/// are not invented: list them when the layer should carry them. Throws
/// Error naming the entry when a source is missing or a destination is
/// invalid.
LayerPlan PlanEntries(const std::vector<CopyEntry>& entries);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_PLAN_H_
