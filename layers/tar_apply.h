// Applying an OCI layer (tar, tar+gzip, tar+zstd) to a directory, either as
// an overlayfs lower layer of its own (whiteouts become overlay whiteouts)
// or onto a plain directory holding the layers below (whiteouts delete).
// Nothing a layer says can write outside the target: names with ".." or a
// leading "/" are refused, and every parent is resolved inside the target
// (symlinks included) by the kernel's RESOLVE_IN_ROOT.
#ifndef IMGBUILD_LAYERS_TAR_APPLY_H_
#define IMGBUILD_LAYERS_TAR_APPLY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "layers/digest.h"
#include "layers/whiteout.h"

namespace imgbuild::layers {

/// What whiteouts turn into.
enum class WhiteoutMode {
  /// The target is the layer's own snapshot, an overlayfs lower dir:
  /// ".wh.NAME" becomes a char device 0/0 and ".wh..wh..opq" the opaque
  /// xattr. The snapshot should start empty.
  kOverlay,
  /// The target already holds the layers below (`-o type=local`, tests):
  /// whited-out paths are deleted, and an opaque directory loses everything
  /// this layer did not put there.
  kDelete,
  /// Not a layer at all (ADD of a local archive): ".wh." names are
  /// ordinary files, as Docker's archive.Untar treats them.
  kLiteral,
};

/// How a layer is applied.
struct ApplyOptions {
  WhiteoutMode whiteouts = WhiteoutMode::kOverlay;
  /// The xattr namespace of the overlay mount that will use the snapshot.
  OverlayXattrs overlay_xattrs = OverlayXattrs::kTrusted;
  /// Regular files declaring more bytes than this are refused as corrupt.
  uint64_t max_file_size = uint64_t{1} << 40;
  /// When set, a stream with another diff ID is an error.
  std::optional<Digest> expected_diff_id = std::nullopt;
  /// Also accept bzip2 and xz streams, as ADD does for local archives
  /// (layers are only ever plain, gzip or zstd).
  bool bzip2_and_xz = false;
  /// When set, every entry gets this owner instead of the archive's (ADD --chown).
  std::optional<uint32_t> uid = std::nullopt;
  std::optional<uint32_t> gid = std::nullopt;
};

/// What applying a layer found.
struct ApplyResult {
  /// sha256 of the uncompressed stream: the layer's diff ID.
  Digest diff_id;
  /// Length of the uncompressed stream.
  uint64_t uncompressed_bytes = 0;
  /// Tar entries processed, whiteouts included.
  uint64_t entries = 0;
};

/// Applies the layer read from `fd` (sequentially, to its end) onto the
/// existing directory `target`, preserving types, modes (setuid, setgid,
/// sticky), numeric owners, layer xattrs (see IsLayerXattr), hardlinks,
/// symlinks, devices and mtimes; later duplicates of a path win. `what`
/// names the stream in errors. Throws Error naming the entry for a
/// malicious, unsupported or absurdly large entry, LayerReadError (naming
/// the entry when there is one) for a corrupt or truncated stream, Error
/// for a diff ID mismatch. The target is left
/// partly written on error; discard it.
ApplyResult ApplyLayer(int fd, const std::string& what, const std::string& target,
                       const ApplyOptions& options = {});

/// ApplyLayer onto the directory open as `target_fd` (not owned; e.g. one
/// resolved inside a root filesystem); `target` names it in messages.
ApplyResult ApplyLayerAt(int fd, const std::string& what, int target_fd,
                         const std::string& target, const ApplyOptions& options = {});

/// ApplyLayer reading the layer file at `layer_path`.
ApplyResult ApplyLayerFile(const std::string& layer_path, const std::string& target,
                           const ApplyOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_TAR_APPLY_H_
