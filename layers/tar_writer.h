// Deterministic tar layers: the same tree gives the same bytes whatever the
// readdir order, umask or time of day. Entries are sorted by byte order of
// their tar names; headers are restricted pax with numeric owners, empty
// user/group names, whole-second mtimes and no atime/ctime; only layer
// xattrs (see IsLayerXattr) are kept; hardlinks within the layer are
// written as links; file data is streamed, never read whole.
#ifndef IMGBUILD_LAYERS_TAR_WRITER_H_
#define IMGBUILD_LAYERS_TAR_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/layer_plan.h"
#include "layers/sink.h"
#include "layers/whiteout.h"

namespace imgbuild::layers {

/// How a layer is written.
struct TarWriterOptions {
  /// SOURCE_DATE_EPOCH (seconds): entries with a later mtime get this one.
  std::optional<int64_t> epoch = std::nullopt;
  /// The xattr namespace of the overlay mount; WriteOverlayUpperLayer only.
  OverlayXattrs overlay_xattrs = OverlayXattrs::kTrusted;
};

/// What a layer write produced.
struct TarWriteResult {
  /// Tar entries written (links and whiteout markers included).
  uint64_t entries = 0;
  /// Length of the uncompressed tar stream.
  uint64_t bytes = 0;
  /// Objects left out and why (sockets).
  std::vector<std::string> notes;
};

/// Writes a layer holding the contents of `dir` (not `dir` itself) into
/// `sink`, then closes the sink. Throws Error naming the path that cannot
/// be read, changed while it was written or carries a reserved ".wh." name,
/// or rethrows what the sink threw.
TarWriteResult WriteDirectoryLayer(const std::string& dir, ByteSink& sink,
                                   const TarWriterOptions& options = {});

/// Writes the layer an overlayfs upper directory (`diff`) stands for:
/// whiteouts become ".wh.NAME" files, opaque directories get a
/// ".wh..wh..opq" entry, overlay xattrs are dropped. Closes the sink.
/// Throws like WriteDirectoryLayer, and when an entry depends on the lower
/// layers (redirect_dir or metacopy xattrs).
TarWriteResult WriteOverlayUpperLayer(const std::string& upper, ByteSink& sink,
                                      const TarWriterOptions& options = {});

/// Writes a layer from explicit entries (COPY): see PlanEntries for how
/// they map into the layer. Closes the sink. Throws like WriteDirectoryLayer.
TarWriteResult WriteEntriesLayer(const std::vector<CopyEntry>& entries, ByteSink& sink,
                                 const TarWriterOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_TAR_WRITER_H_
