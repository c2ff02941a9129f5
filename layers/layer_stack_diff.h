// The file-system half of an image comparison: the layers of two images
// compared pair by pair, and the root file systems they make compared path
// by path (see image_diff.h for which layers are read).
#ifndef IMGBUILD_LAYERS_LAYER_STACK_DIFF_H_
#define IMGBUILD_LAYERS_LAYER_STACK_DIFF_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "layers/digest.h"
#include "layers/file_change.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// A list cut at a maximum length, most telling items first.
template <typename T>
struct CappedList {
  std::vector<T> items{};
  size_t omitted = 0;  ///< how many more there were

  size_t total() const { return items.size() + omitted; }
};

/// Keeps the first `max_items` of `items` and counts the rest.
template <typename T>
CappedList<T> Cap(std::vector<T> items, size_t max_items) {
  CappedList<T> list{};
  if (items.size() > max_items) {
    list.omitted = items.size() - max_items;
    items.resize(max_items);
  }
  list.items = std::move(items);
  return list;
}

/// The entries of one pair of layers at the same position that differ.
struct LayerDiff {
  size_t index = 0;                 ///< position in the manifests, from 0
  std::optional<Digest> diff_id_a{};  ///< nullopt: A has no layer there
  std::optional<Digest> diff_id_b{};
  CappedList<FileChange> changes{};   ///< paths are the entries' own (markers too)
};

/// The layers of one image: where to read them and what they must hash to.
struct LayerStack {
  const Store* store = nullptr;
  std::vector<Descriptor> layers{};  ///< manifest order, base first
  std::vector<Digest> diff_ids{};    ///< the config's rootfs.diff_ids, same order
};

struct LayerStackDiff {
  /// Every layer's diff ID, for naming the layers changes come from.
  std::vector<Digest> diff_ids_a{};
  std::vector<Digest> diff_ids_b{};
  /// Pairs of layers whose diff IDs differ, in order; a layer only one image
  /// has is compared with an empty one.
  std::vector<LayerDiff> layers{};
  /// Paths whose final state differs, with the layer each version came from.
  CappedList<FileChange> filesystem{};
};

/// Compares two layer stacks, keeping at most `max_items` changes per list.
/// Throws Error naming the layer when a blob is missing or unreadable, or
/// when its content does not hash to its diff ID.
LayerStackDiff CompareLayerStacks(const LayerStack& a, const LayerStack& b, size_t max_items);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_LAYER_STACK_DIFF_H_
