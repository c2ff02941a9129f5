#include "layers/layer_stack_diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "layers/layer_index.h"
#include "layers/rootfs_view.h"
#include "layers/safe_path.h"
#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// Reads layer `i` of `stack`, checking its diff ID.
LayerIndex ReadLayer(const LayerStack& stack, size_t i, const EntryFilter& keep = nullptr) {
  const Descriptor& layer = stack.layers[i];
  std::string what = fmt::format("layers[{}] {}", i, layer.digest.ToString());
  UniqueFd fd = stack.store->OpenBlob(layer.digest);
  LayerIndex index = ReadLayerIndex(fd.get(), what, keep);
  if (index.diff_id != stack.diff_ids[i]) {
    Fail("layer {} in store {} has diff ID {}, but the config says {}: the image is corrupt; "
         "run `imgbuild fsck`",
         what, stack.store->root(), index.diff_id.ToString(), stack.diff_ids[i].ToString());
  }
  return index;
}

// Layers read so far, by diff ID: a layer both images have is read once.
// Views point into these indexes, so the cache outlives them.
class LayerCache {
 public:
  const LayerIndex& Get(const LayerStack& stack, size_t i) {
    auto it = indexes_.find(stack.diff_ids[i]);
    if (it != indexes_.end()) return it->second;
    return indexes_.emplace(stack.diff_ids[i], ReadLayer(stack, i)).first->second;
  }

 private:
  std::map<Digest, LayerIndex> indexes_;
};

bool SameLayer(const LayerStack& a, const LayerStack& b, size_t i) {
  return i < a.diff_ids.size() && i < b.diff_ids.size() && a.diff_ids[i] == b.diff_ids[i];
}

// The first position whose layers differ: everything below is the shared base.
size_t FirstDifference(const LayerStack& a, const LayerStack& b) {
  size_t i = 0;
  while (SameLayer(a, b, i)) ++i;
  return i;
}

std::vector<LayerDiff> ComparePairs(const LayerStack& a, const LayerStack& b, size_t first,
                                    LayerCache& cache, size_t max_items) {
  static const std::vector<LayerEntry> kEmpty;
  std::vector<LayerDiff> diffs;
  size_t count = std::max(a.diff_ids.size(), b.diff_ids.size());
  for (size_t i = first; i < count; ++i) {
    if (SameLayer(a, b, i)) continue;
    LayerDiff diff{.index = i};
    const std::vector<LayerEntry>* entries_a = &kEmpty;
    const std::vector<LayerEntry>* entries_b = &kEmpty;
    if (i < a.diff_ids.size()) {
      diff.diff_id_a = a.diff_ids[i];
      entries_a = &cache.Get(a, i).entries;
    }
    if (i < b.diff_ids.size()) {
      diff.diff_id_b = b.diff_ids[i];
      entries_b = &cache.Get(b, i).entries;
    }
    std::vector<FileChange> changes = CompareEntryLists(*entries_a, *entries_b);
    SortByImportance(changes);
    diff.changes = Cap(std::move(changes), max_items);
    diffs.push_back(std::move(diff));
  }
  return diffs;
}

// The final views of both images above the shared base, and the base when a
// path's state there is needed.
class FinalViews {
 public:
  FinalViews(const LayerStack& a, const LayerStack& b, size_t first, LayerCache& cache)
      : a_(first > 0), b_(first > 0) {
    for (size_t i = first; i < a.diff_ids.size(); ++i) a_.Apply(cache.Get(a, i), i);
    for (size_t i = first; i < b.diff_ids.size(); ++i) b_.Apply(cache.Get(b, i), i);
    a_.ForEachTouched([&](const std::string& path) { paths_.insert(path); });
    b_.ForEachTouched([&](const std::string& path) { paths_.insert(path); });
    if (first > 0) ReadBaseIfNeeded(a, first);
  }

  std::vector<FileChange> Compare() const {
    std::vector<FileChange> changes;
    for (const std::string& path : paths_) {
      auto [entry_a, layer_a] = Final(a_, path);
      auto [entry_b, layer_b] = Final(b_, path);
      if (entry_a == nullptr && entry_b == nullptr) continue;
      FileChange change{.path = ImagePath(path), .layer_a = layer_a, .layer_b = layer_b};
      if (entry_a != nullptr && entry_b != nullptr) {
        change.fields = CompareEntries(*entry_a, *entry_b);
        if (change.fields.empty()) continue;
      }
      if (entry_a != nullptr) change.a = *entry_a;
      if (entry_b != nullptr) change.b = *entry_b;
      changes.push_back(std::move(change));
    }
    return changes;
  }

 private:
  std::pair<const LayerEntry*, std::optional<size_t>> Final(const RootfsView& view,
                                                            const std::string& path) const {
    PathState state = view.Lookup(path);
    if (state.kind == PathState::Kind::kBelow) {
      state = base_ ? base_->Lookup(path) : PathState{};
    }
    return {state.kind == PathState::Kind::kPresent ? state.entry : nullptr, state.layer};
  }

  // Whether the base's entry at `path` can matter: a wanted path, anything
  // under a wanted subtree, or an ancestor of those (replacing it hides them).
  bool Wanted(std::string_view path) const {
    if (wanted_.contains(path)) return true;
    while (!path.empty()) {
      path = SplitParent(path).first;
      if (wanted_subtrees_.contains(path)) return true;
    }
    return false;
  }

  void Want(const std::string& path, bool subtree) {
    wanted_.insert(path);
    if (subtree) wanted_subtrees_.insert(path);
    std::string_view ancestor = path;
    while (!ancestor.empty()) {
      ancestor = SplitParent(ancestor).first;
      wanted_.insert(std::string(ancestor));
    }
  }

  // The base matters for a path one image leaves as the base had it while
  // the other changes it, and below a directory one image hides. Only those
  // entries of the base are kept (and hashed).
  void ReadBaseIfNeeded(const LayerStack& a, size_t first) {
    for (const std::string& path : paths_) {
      bool below_a = a_.Lookup(path).kind == PathState::Kind::kBelow;
      bool below_b = b_.Lookup(path).kind == PathState::Kind::kBelow;
      if (below_a != below_b) Want(path, false);
    }
    for (const std::string& path : a_.HiddenSubtrees()) {
      if (!b_.HidesBelow(path)) Want(path, true);
    }
    for (const std::string& path : b_.HiddenSubtrees()) {
      if (!a_.HidesBelow(path)) Want(path, true);
    }
    if (wanted_.empty() && wanted_subtrees_.empty()) return;
    base_.emplace(false);
    base_layers_.reserve(first);  // the view points into them: no reallocation
    auto keep = [this](std::string_view path) { return Wanted(path); };
    for (size_t i = 0; i < first; ++i) {
      base_layers_.push_back(ReadLayer(a, i, keep));
      base_->Apply(base_layers_.back(), i);
    }
    for (const std::string& subtree : wanted_subtrees_) {
      for (std::string& path : base_->PathsBelow(subtree)) paths_.insert(std::move(path));
    }
  }

  RootfsView a_;
  RootfsView b_;
  std::vector<LayerIndex> base_layers_;  // filtered to what the comparison needs
  std::optional<RootfsView> base_;
  std::set<std::string> paths_;  // every path whose final state may differ
  std::set<std::string, std::less<>> wanted_;  // paths and their ancestors
  std::set<std::string, std::less<>> wanted_subtrees_;
};

}  // namespace

LayerStackDiff CompareLayerStacks(const LayerStack& a, const LayerStack& b, size_t max_items) {
  LayerStackDiff diff{.diff_ids_a = a.diff_ids, .diff_ids_b = b.diff_ids};
  size_t first = FirstDifference(a, b);
  if (first == a.diff_ids.size() && first == b.diff_ids.size()) return diff;
  LayerCache cache;
  diff.layers = ComparePairs(a, b, first, cache, max_items);
  std::vector<FileChange> changes = FinalViews(a, b, first, cache).Compare();
  SortByImportance(changes);
  diff.filesystem = Cap(std::move(changes), max_items);
  return diff;
}

}  // namespace imgbuild::layers
