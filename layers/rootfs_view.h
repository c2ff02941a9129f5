// The root file system a stack of layers makes, computed from layer indexes
// without extracting anything: which entry each path ends up with and which
// layer wrote or removed it. Layers apply as extraction applies them:
// whiteouts and opaque markers remove lower content first, then the layer's
// entries replace what they cover; a non-directory replacing a directory
// hides everything below it.
//
// A view may start on top of layers it has not read (the unread base two
// images share): a path no applied layer touched is then "below", to be
// looked up in a view of the base when needed.
#ifndef IMGBUILD_LAYERS_ROOTFS_VIEW_H_
#define IMGBUILD_LAYERS_ROOTFS_VIEW_H_

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/layer_index.h"

namespace imgbuild::layers {

/// Where a path stands in a view.
struct PathState {
  enum class Kind {
    kPresent,  ///< `entry` is there, written by `layer`
    kAbsent,   ///< not there; `layer` removed or hid it, unset when nothing ever wrote it
    kBelow,    ///< no applied layer touched it: as in the unread layers below
  };
  Kind kind = Kind::kAbsent;
  const LayerEntry* entry = nullptr;
  std::optional<size_t> layer;
};

class RootfsView {
 public:
  /// An empty view; `over_unread_layers` makes untouched paths kBelow
  /// instead of kAbsent.
  explicit RootfsView(bool over_unread_layers) : over_unread_layers_(over_unread_layers) {}

  /// Applies `layer`, numbered `number` in its image, on top. The view points
  /// into `layer`, which must outlive it. A view of filtered indexes (see
  /// ReadLayerIndex) answers for the paths they kept when they also kept the
  /// ancestors of those paths, whose replacement can hide them.
  void Apply(const LayerIndex& layer, size_t number);

  /// The state of clean relative `path` ("" is the root).
  PathState Lookup(const std::string& path) const;

  /// True when the applied layers hid everything the layers below had
  /// strictly under `path` (a whiteout, an opaque directory or a
  /// non-directory at `path` or above it).
  bool HidesBelow(const std::string& path) const;

  /// Calls `visit` for every path an applied layer wrote, removed or made
  /// opaque, in sorted order.
  void ForEachTouched(const std::function<void(const std::string& path)>& visit) const;

  /// The paths strictly under which applied layers hid lower content, sorted.
  std::vector<std::string> HiddenSubtrees() const;

  /// The recorded paths strictly under `path`, sorted.
  std::vector<std::string> PathsBelow(const std::string& path) const;

 private:
  struct Node {
    const LayerEntry* entry = nullptr;   // null: removed, or only a hiding mark
    std::optional<size_t> layer;         // the layer that wrote or removed the path
    std::optional<size_t> hides_below;   // the last layer that hid lower content below
  };
  using Nodes = std::map<std::string, Node, std::less<>>;

  void Remove(const std::string& path, size_t number);
  void HideBelow(const std::string& path, size_t number);
  void Insert(const LayerEntry& entry, size_t number);
  std::pair<Nodes::iterator, Nodes::iterator> RangeBelow(const std::string& path);
  std::pair<Nodes::const_iterator, Nodes::const_iterator> RangeBelow(
      const std::string& path) const;
  std::optional<size_t> HiddenBy(const std::string& path) const;

  bool over_unread_layers_;
  Nodes nodes_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_ROOTFS_VIEW_H_
