#include "layers/rootfs_view.h"

#include <algorithm>

#include "layers/safe_path.h"

namespace imgbuild::layers {
namespace {

// Paths strictly under `path` sort in [path + "/", path + "0"): '0' follows
// '/' in byte order. Everything but the root is under the root.
template <typename Map>
auto Below(Map& nodes, const std::string& path) {
  if (path.empty()) return std::make_pair(nodes.upper_bound(path), nodes.end());
  return std::make_pair(nodes.lower_bound(path + "/"), nodes.lower_bound(path + "0"));
}

}  // namespace

std::pair<RootfsView::Nodes::iterator, RootfsView::Nodes::iterator> RootfsView::RangeBelow(
    const std::string& path) {
  return Below(nodes_, path);
}

std::pair<RootfsView::Nodes::const_iterator, RootfsView::Nodes::const_iterator>
RootfsView::RangeBelow(const std::string& path) const {
  return Below(nodes_, path);
}

void RootfsView::HideBelow(const std::string& path, size_t number) {
  auto [first, last] = RangeBelow(path);
  nodes_.erase(first, last);
  nodes_[path].hides_below = number;
}

void RootfsView::Remove(const std::string& path, size_t number) {
  HideBelow(path, number);
  Node& node = nodes_[path];
  node.entry = nullptr;
  node.layer = number;
}

void RootfsView::Insert(const LayerEntry& entry, size_t number) {
  if (entry.type != EntryType::kDirectory) HideBelow(entry.path, number);
  Node& node = nodes_[entry.path];
  node.entry = &entry;
  node.layer = number;
}

void RootfsView::Apply(const LayerIndex& layer, size_t number) {
  // Markers act on the layers below only, so they go first: an opaque
  // marker sorts after some of the entries its own layer adds.
  for (const LayerEntry& entry : layer.entries) {
    if (entry.type == EntryType::kWhiteout) Remove(AffectedPath(entry), number);
    if (entry.type == EntryType::kOpaque) HideBelow(AffectedPath(entry), number);
  }
  for (const LayerEntry& entry : layer.entries) {
    if (entry.type != EntryType::kWhiteout && entry.type != EntryType::kOpaque) {
      Insert(entry, number);
    }
  }
}

std::optional<size_t> RootfsView::HiddenBy(const std::string& path) const {
  std::string_view ancestor = path;
  while (!ancestor.empty()) {
    ancestor = SplitParent(ancestor).first;
    auto it = nodes_.find(ancestor);
    if (it != nodes_.end() && it->second.hides_below) return it->second.hides_below;
  }
  return std::nullopt;
}

PathState RootfsView::Lookup(const std::string& path) const {
  auto it = nodes_.find(path);
  if (it != nodes_.end() && it->second.layer) {
    const Node& node = it->second;
    PathState::Kind kind = node.entry ? PathState::Kind::kPresent : PathState::Kind::kAbsent;
    return {kind, node.entry, node.layer};
  }
  if (!path.empty()) {
    if (std::optional<size_t> layer = HiddenBy(path)) {
      return {PathState::Kind::kAbsent, nullptr, layer};
    }
  }
  return {over_unread_layers_ ? PathState::Kind::kBelow : PathState::Kind::kAbsent, nullptr,
          std::nullopt};
}

bool RootfsView::HidesBelow(const std::string& path) const {
  auto it = nodes_.find(path);
  if (it != nodes_.end() && it->second.hides_below) return true;
  return !path.empty() && HiddenBy(path).has_value();
}

void RootfsView::ForEachTouched(const std::function<void(const std::string& path)>& visit) const {
  for (const auto& [path, node] : nodes_) visit(path);
}

std::vector<std::string> RootfsView::HiddenSubtrees() const {
  std::vector<std::string> paths;
  for (const auto& [path, node] : nodes_) {
    if (node.hides_below) paths.push_back(path);
  }
  return paths;
}

std::vector<std::string> RootfsView::PathsBelow(const std::string& path) const {
  std::vector<std::string> paths;
  auto [first, last] = RangeBelow(path);
  for (auto it = first; it != last; ++it) paths.push_back(it->first);
  return paths;
}

}  // namespace imgbuild::layers
