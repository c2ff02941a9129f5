#include "layers/layer_plan.h"

#include <fcntl.h>
#include <sys/xattr.h>

#include <algorithm>
#include <unordered_map>

#include "layers/safe_path.h"
#include "util/dir.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::layers {
namespace {

std::string Join(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

bool IsOpaqueDirectory(int dir_fd, OverlayXattrs flavour) {
  char value[2];
  ssize_t size = fgetxattr(dir_fd, OpaqueXattrName(flavour), value, sizeof(value));
  return size > 0 && IsOpaqueValue(std::string_view(value, static_cast<size_t>(size)));
}

void RefuseWhiteoutName(std::string_view name, const std::string& source) {
  if (name.starts_with(kWhiteoutPrefix)) {
    Fail("{}: names starting with \"{}\" are reserved for whiteouts in OCI layers; rename it",
         source, kWhiteoutPrefix);
  }
}

// Adds the objects of one source tree to a plan, depth first.
class TreeWalker {
 public:
  TreeWalker(LayerPlan& plan, const std::optional<OverlayXattrs>& overlay,
             const MetadataOverride* override, bool recursive = true)
      : plan_(plan), overlay_(overlay), override_(override), recursive_(recursive) {}

  // Adds everything below the directory open as `dir_fd` (`source` on disk)
  // at layer path `prefix` ("" is the layer root).
  void AddChildren(int dir_fd, const std::string& source, const std::string& prefix) {
    for (const std::string& name : ListDirectory(dir_fd, source)) {
      AddChild(dir_fd, name, source + "/" + name, Join(prefix, name));
    }
  }

  // Adds the object `name` of `dir_fd` (`source` on disk) as `layer_path`.
  void AddChild(int dir_fd, const std::string& name, const std::string& source,
                const std::string& layer_path) {
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) FailErrno("stat " + source);
    PlannedEntry entry{layer_path, source, FileMeta::From(st), PlannedKind::kFromDisk, override_};
    if (overlay_ && IsOverlayWhiteout(st)) return AddWhiteout(std::move(entry), name);
    RefuseWhiteoutName(SplitParent(layer_path).second, source);
    if (S_ISSOCK(st.st_mode)) {
      plan_.notes.push_back("skipped socket " + layer_path +
                            " (sockets cannot be stored in a layer)");
      return;
    }
    if (!S_ISDIR(st.st_mode)) return plan_.entries.push_back(std::move(entry));
    AddDirectory(std::move(entry),
                 OpenAtOrThrow(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  }

  // Adds a directory entry and its tree; `dir` is the open directory.
  void AddDirectory(PlannedEntry entry, UniqueFd dir) {
    std::string layer_path = entry.name;
    std::string source = entry.source;
    entry.name += '/';
    if (overlay_ && IsOpaqueDirectory(dir.get(), *overlay_)) {
      PlannedEntry marker = entry;
      marker.name += kOpaqueMarker;
      marker.kind = PlannedKind::kWhiteoutMarker;
      plan_.entries.push_back(std::move(marker));
    }
    plan_.entries.push_back(std::move(entry));
    if (recursive_) AddChildren(dir.get(), source, layer_path);
  }

 private:
  void AddWhiteout(PlannedEntry entry, const std::string& name) {
    auto [parent, base] = SplitParent(entry.name);
    entry.name = Join(std::string(parent), WhiteoutFileName(name));
    entry.kind = PlannedKind::kWhiteoutMarker;
    plan_.entries.push_back(std::move(entry));
  }

  LayerPlan& plan_;
  std::optional<OverlayXattrs> overlay_;
  const MetadataOverride* override_;
  bool recursive_;
};

void SortByName(LayerPlan& plan) {
  std::sort(plan.entries.begin(), plan.entries.end(),
            [](const PlannedEntry& a, const PlannedEntry& b) { return a.name < b.name; });
}

LayerPlan PlanTree(const std::string& dir, const std::optional<OverlayXattrs>& overlay) {
  LayerPlan plan;
  UniqueFd root = OpenOrThrow(dir, O_RDONLY | O_DIRECTORY);
  TreeWalker(plan, overlay, nullptr).AddChildren(root.get(), dir, "");
  SortByName(plan);
  return plan;
}

std::string DirectoryOf(const std::string& path) {
  auto [parent, base] = SplitParent(path);
  if (!parent.empty()) return std::string(parent);
  return path.starts_with('/') ? "/" : ".";
}

// Adds one COPY entry: the object itself and, for a recursive directory,
// its tree. A directory copied to the root contributes only its contents.
void AddCopyEntry(LayerPlan& plan, const CopyEntry& copy) {
  std::string_view destination_name = copy.destination;
  while (destination_name.starts_with('/')) destination_name.remove_prefix(1);
  std::string destination = CleanLayerPath(destination_name, "destination");
  TreeWalker walker(plan, std::nullopt, &copy.override, copy.recursive);
  struct stat st {};
  if (lstat(copy.source.c_str(), &st) != 0) FailErrno("stat copy source " + copy.source);
  if (S_ISDIR(st.st_mode)) {
    UniqueFd dir = OpenOrThrow(copy.source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (destination.empty()) {
      if (copy.recursive) walker.AddChildren(dir.get(), copy.source, "");
      return;
    }
    RefuseWhiteoutName(SplitParent(destination).second, copy.source);
    PlannedEntry entry{destination, copy.source, FileMeta::From(st), PlannedKind::kFromDisk,
                       &copy.override};
    return walker.AddDirectory(std::move(entry), std::move(dir));
  }
  if (destination.empty()) {
    Fail("copy source {} is not a directory, so it cannot become the layer root", copy.source);
  }
  UniqueFd parent = OpenOrThrow(DirectoryOf(copy.source), O_RDONLY | O_DIRECTORY);
  walker.AddChild(parent.get(), std::string(SplitParent(copy.source).second), copy.source,
                  destination);
}

// Keeps the last entry for each layer path, whatever its type.
void KeepLastPerPath(LayerPlan& plan) {
  auto path_of = [](const std::string& name) {
    return std::string_view(name).substr(0, name.size() - (name.ends_with('/') ? 1 : 0));
  };
  std::unordered_map<std::string_view, size_t> last;
  for (size_t i = 0; i < plan.entries.size(); ++i) last[path_of(plan.entries[i].name)] = i;
  std::vector<bool> keep(plan.entries.size());
  for (size_t i = 0; i < plan.entries.size(); ++i) {
    keep[i] = last[path_of(plan.entries[i].name)] == i;
  }
  last.clear();  // its keys view the names about to move
  std::vector<PlannedEntry> kept;
  for (size_t i = 0; i < plan.entries.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(plan.entries[i]));
  }
  plan.entries = std::move(kept);
}

}  // namespace

FileMeta FileMeta::From(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_rdev,
          st.st_nlink, st.st_mode, st.st_uid, st.st_gid};
}

LayerPlan PlanDirectory(const std::string& dir) { return PlanTree(dir, std::nullopt); }

LayerPlan PlanOverlayUpper(const std::string& upper, OverlayXattrs flavour) {
  return PlanTree(upper, flavour);
}

LayerPlan PlanEntries(const std::vector<CopyEntry>& entries) {
  LayerPlan plan;
  for (const CopyEntry& copy : entries) AddCopyEntry(plan, copy);
  KeepLastPerPath(plan);
  SortByName(plan);
  return plan;
}

}  // namespace imgbuild::layers
