// A layer read into a sorted list of its entries: metadata plus a content
// digest per file, never the contents, so two layers can be compared entry
// by entry in memory that grows with the number of entries, not their size.
#ifndef IMGBUILD_LAYERS_LAYER_INDEX_H_
#define IMGBUILD_LAYERS_LAYER_INDEX_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/digest.h"
#include "layers/xattrs.h"

namespace imgbuild::layers {

/// What a layer entry is. Whiteout and opaque markers are regular files in
/// the tar; they are told apart by name (see whiteout.h).
enum class EntryType {
  kFile,
  kDirectory,
  kSymlink,
  kHardlink,
  kCharDevice,
  kBlockDevice,
  kFifo,
  kWhiteout,  ///< ".wh.NAME": removes NAME of lower layers
  kOpaque,    ///< ".wh..wh..opq": its directory hides lower content
};

/// "file", "directory", "symlink", "hardlink", "char device", "block device",
/// "fifo", "whiteout", "opaque marker".
std::string_view EntryTypeName(EntryType type);

/// One tar entry with what a comparison needs.
struct LayerEntry {
  /// Clean relative path of the tar member ("" is the layer root); for
  /// markers the marker's own name ("etc/.wh.passwd").
  std::string path{};
  EntryType type = EntryType::kFile;
  uint32_t mode = 0;  ///< permission bits, 07777
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t mtime = 0;        ///< seconds since the epoch
  int64_t mtime_nsec = 0;   ///< pax headers can carry sub-second mtimes
  int64_t size = 0;         ///< data bytes (files)
  std::optional<Digest> content{};  ///< sha256 of the data (files)
  /// Symlinks: the target as written; hardlinks: the clean path linked to.
  std::string link_target{};
  uint32_t device_major = 0;  ///< char and block devices
  uint32_t device_minor = 0;
  std::vector<Xattr> xattrs{};  ///< sorted by name
};

/// A whole layer, read once.
struct LayerIndex {
  /// Sorted by path, one per path: a later duplicate replaces an earlier one,
  /// as it does when the layer is extracted.
  std::vector<LayerEntry> entries{};
  /// sha256 of the uncompressed tar stream.
  Digest diff_id;
  /// Length of the uncompressed tar stream.
  uint64_t tar_size = 0;
};

/// Chooses the entries an index keeps, by path.
using EntryFilter = std::function<bool(std::string_view path)>;

/// Reads the layer (tar, tar+gzip or tar+zstd) from `fd` to its end,
/// hashing every file's data. `what` names the layer in errors. With `keep`,
/// only whiteout and opaque markers and the entries it accepts are kept, and
/// only their data is hashed. Throws LayerReadError when the stream is not a
/// (compressed) tar or is corrupt or truncated, and Error naming the entry
/// for an absolute or ".." path or a whiteout that names nothing.
LayerIndex ReadLayerIndex(int fd, const std::string& what, const EntryFilter& keep = nullptr);

/// The path the entry stands for in the image's file system: its own path,
/// the hidden path for a whiteout, the directory for an opaque marker.
std::string AffectedPath(const LayerEntry& entry);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_INDEX_H_
