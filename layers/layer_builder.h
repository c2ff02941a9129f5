// Turning a directory, an overlayfs upper directory or a COPY entry list into
// a layer blob in the store, in one pass: the tar writer streams into the
// layer encoder (diff ID, compression, blob digest), which streams into the
// store's blob writer. Nothing is staged on disk besides the blob's own
// temporary file, and memory stays bounded whatever the tree's size.
#ifndef IMGBUILD_LAYERS_LAYER_BUILDER_H_
#define IMGBUILD_LAYERS_LAYER_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/compress.h"
#include "layers/digest.h"
#include "layers/layer_plan.h"
#include "layers/oci.h"
#include "layers/whiteout.h"

namespace imgbuild::layers {

class Store;

/// How a layer is built.
struct LayerBuildOptions {
  /// Blob compression: gzip (Docker's default), zstd or none.
  Compression compression = Compression::kGzip;
  /// Compression level; unset means the format's usual default.
  std::optional<int> level = std::nullopt;
  /// Compression threads; 0 means one per usable CPU. Never changes the blob.
  unsigned threads = 0;
  /// SOURCE_DATE_EPOCH (seconds): later mtimes are clamped to it.
  std::optional<int64_t> source_date_epoch = std::nullopt;
  /// The xattr namespace of the overlay mount (overlay upper layers only).
  OverlayXattrs overlay_xattrs = OverlayXattrs::kTrusted;
};

/// A layer that is now a blob in the store.
struct BuiltLayer {
  /// For the manifest: layer media type, blob digest and blob size.
  Descriptor descriptor;
  /// For the image config (rootfs.diff_ids): sha256 of the uncompressed tar.
  Digest diff_id;
  /// Length of the uncompressed tar.
  uint64_t uncompressed_size = 0;
  /// Tar entries written, whiteout markers and hardlinks included.
  uint64_t entries = 0;
  /// Objects left out and why (sockets), for the build log.
  std::vector<std::string> notes;
};

/// Stores the layer holding the contents of `dir` (see WriteDirectoryLayer).
/// Throws Error naming the path that cannot be read or changed meanwhile,
/// or what the store failed to write; nothing is stored then.
BuiltLayer BuildDirectoryLayer(const Store& store, const std::string& dir,
                               const LayerBuildOptions& options = {});

/// Stores the layer an overlayfs upper directory stands for (whiteouts and
/// opaque directories become OCI markers; see WriteOverlayUpperLayer). Only
/// the upper directory is read, so the cost follows the size of the change,
/// not of the layers below. Throws like BuildDirectoryLayer.
BuiltLayer BuildOverlayUpperLayer(const Store& store, const std::string& upper,
                                  const LayerBuildOptions& options = {});

/// Stores a layer made of explicit entries (COPY; see WriteEntriesLayer).
/// Throws like BuildDirectoryLayer, and for a missing source or invalid
/// destination.
BuiltLayer BuildEntriesLayer(const Store& store, const std::vector<CopyEntry>& entries,
                             const LayerBuildOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_BUILDER_H_
