// Comparing two images, possibly from different stores, to say exactly why
// their digests differ: the manifest (or index) and config field by field,
// then each pair of layers whose diff IDs differ entry by entry, then the
// final root file systems the layers make, path by path.
//
// Layers are read as indexes (metadata and content digests, streamed, never
// extracted). Layers at the same position with the same diff ID are not
// compared; the layers below the first difference (the base both images
// share) are read only when the final view needs them, to tell what a path
// an upper layer adds or removes was before. Layers above a difference are
// read even when identical, because they can hide or restore what changed.
#ifndef IMGBUILD_LAYERS_IMAGE_DIFF_H_
#define IMGBUILD_LAYERS_IMAGE_DIFF_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "layers/json_diff.h"
#include "layers/layer_stack_diff.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// One side of a comparison: the store holding its blobs and its manifest
/// or index there.
struct ImageHandle {
  const Store* store = nullptr;
  Descriptor descriptor;
};

struct ImageDiffOptions {
  /// Longest list kept per section (documents, each layer, the final file
  /// system); the rest are counted. Lists keep the most telling first.
  size_t max_items = 50;
};

/// Everything that differs between two images.
struct ImageDiff {
  Descriptor a;  ///< the compared manifests or indexes
  Descriptor b;
  /// "os/architecture[/variant]" of a manifest compared under an index; ""
  /// at the top.
  std::string platform{};
  /// Config, then manifest (or index) fields; a document whose bytes differ
  /// without any field differing (key order, spacing) has one change with
  /// field "" and the two digests.
  CappedList<DocumentChange> documents{};
  /// The layers pair by pair and the final root file systems.
  LayerStackDiff files{};
  /// Index against index: the manifests of each platform both have (nested
  /// indexes compare the same way). Index against manifest: the index's
  /// manifest for the manifest's platform, when it has one.
  std::vector<ImageDiff> platforms{};

  /// Same manifest or index digest: the images are the same bytes.
  bool identical() const { return a.digest == b.digest; }
};

/// Compares the two images. Throws Error naming the digest of a missing,
/// corrupt or invalid blob, of a layer whose content does not match its
/// diff ID, and naming the layer entry that cannot be read.
ImageDiff CompareImages(const ImageHandle& a, const ImageHandle& b,
                        const ImageDiffOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_DIFF_H_
