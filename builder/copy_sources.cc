#include "builder/copy_sources.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "builder/glob.h"
#include "builder/root_path.h"
#include "layers/safe_path.h"
#include "util/dir.h"
#include "util/error.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

constexpr size_t kCancelCheckInterval = 256;

// A source as BuildKit sees it: joined onto "/" and cleaned, so "../x"
// and "/x" both name "x" below the root; "" is the root.
std::string CleanSource(std::string_view source) {
  std::string clean = CleanPath("/" + std::string(source));
  return clean.substr(1);
}

std::string ReadLinkAt(int dir_fd, const std::string& path) {
  std::string target(PATH_MAX, '\0');
  ssize_t size = readlinkat(dir_fd, path.c_str(), target.data(), target.size());
  if (size < 0) FailErrno("read symlink " + path);
  target.resize(static_cast<size_t>(size));
  return target;
}

// Opens a directory below `dir_fd` without following a final symlink; an
// invalid descriptor when it is not a directory (any more).
UniqueFd OpenSubdirectory(int dir_fd, const std::string& path) {
  return UniqueFd(openat(dir_fd, path.empty() ? "." : path.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

std::vector<std::string> SortedNames(int dir_fd, const std::string& what) {
  std::vector<std::string> names = ListDirectory(dir_fd, what);
  std::sort(names.begin(), names.end());
  return names;
}

bool Active(const IgnoreRules* rules) { return rules != nullptr && !rules->empty(); }

}  // namespace

TreeSelector::TreeSelector(const std::string& root, StatCache& stat_cache,
                           SelectionOptions options)
    : stat_cache_(stat_cache), options_(std::move(options)) {
  try {
    root_ = RealPath(root);
    root_fd_ = OpenOrThrow(root_, O_RDONLY | O_DIRECTORY);
  } catch (const Error& error) {
    Fail("{}: open the {}: {}", options_.where, options_.description, error.what());
  }
}

std::optional<TreeSelector::Found> TreeSelector::Resolve(const std::string& path) {
  Found found;
  try {
    std::optional<std::string> resolved =
        ResolveBelowRoot(root_fd_.get(), root_, path, &found.st);
    if (!resolved) return std::nullopt;
    found.path = std::move(*resolved);
  } catch (const Error& error) {
    Fail("{}: {}: {}", options_.where, options_.description, error.what());
  }
  return found;
}

// Whether `path` is absent from the tree because .dockerignore excludes it
// (an excluded directory can still hold re-included paths).
bool TreeSelector::Ignored(const std::string& path, const struct stat& st) const {
  if (!Active(options_.ignore) || !options_.ignore->Excluded(path)) return false;
  return !S_ISDIR(st.st_mode) || !options_.ignore->MayReincludeBelow(path);
}

void TreeSelector::NotFound(std::string_view source, bool ignored) const {
  Fail("{}: \"{}\" not found in {}{}", options_.where, source, options_.description,
       ignored ? " (it is excluded by .dockerignore)" : "");
}

std::vector<CopyUnit> TreeSelector::Select(std::string_view source, bool parents) {
  if (parents) return SelectWithParents(source);
  std::string clean = CleanSource(source);
  if (!HasWildcards(clean)) {
    std::optional<Found> found = Resolve(clean);
    bool ignored = found && Active(options_.ignore) && options_.ignore->Excluded(clean) &&
                   !S_ISDIR(found->st.st_mode);
    if (!found || ignored) NotFound(source, ignored);
    std::optional<CopyUnit> unit = UnitFor(found->path, std::string(BaseName(clean)));
    if (!unit) NotFound(source, true);
    std::vector<CopyUnit> units;  // not {...}: an initializer list would copy the unit
    units.push_back(std::move(*unit));
    return units;
  }
  std::string base;
  std::vector<CopyUnit> units;
  for (const std::string& match : ExpandPattern(clean, &base)) {
    std::string below_base = match.substr(base.empty() ? 0 : base.size() + 1);
    if (Active(options_.excludes) && options_.excludes->Excluded(below_base)) continue;
    std::optional<Found> found = Resolve(match);
    if (!found) NotFound(match, false);  // a dangling symlink
    std::optional<CopyUnit> unit = UnitFor(found->path, std::string(BaseName(match)));
    if (unit) units.push_back(std::move(*unit));
  }
  return units;
}

// Go's filepath.Walk matching as BuildKit's ResolveWildcards uses it: the
// part before the first wildcard is resolved, then each pattern component
// matches names of real (not symlinked) directories, in sorted order.
std::vector<std::string> TreeSelector::ExpandPattern(const std::string& pattern,
                                                     std::string* base) {
  std::vector<std::string> components = Split(pattern, '/');
  size_t first = 0;
  while (!HasWildcards(components[first])) ++first;
  for (size_t i = first; i < components.size(); ++i) {
    if (!GlobMatch(components[i], "")) {
      Fail("{}: \"{}\" is not a valid pattern", options_.where, pattern);
    }
  }
  std::string prefix;
  for (size_t i = 0; i < first; ++i) prefix = JoinPath(prefix, components[i]);
  std::optional<Found> found = Resolve(prefix);
  if (!found || !S_ISDIR(found->st.st_mode) || Ignored(found->path, found->st)) return {};
  *base = found->path;
  std::vector<std::string> candidates = {found->path};
  for (size_t i = first; i < components.size(); ++i) {
    std::vector<std::string> matches;
    for (const std::string& candidate : candidates) {
      UniqueFd dir = OpenSubdirectory(root_fd_.get(), candidate);
      if (!dir.valid()) continue;
      for (const std::string& name : SortedNames(dir.get(), JoinPath(root_, candidate))) {
        if (GlobMatch(components[i], name) != true) continue;
        std::string path = JoinPath(candidate, name);
        struct stat st {};
        if (fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!Ignored(path, st)) matches.push_back(std::move(path));
      }
    }
    candidates = std::move(matches);
  }
  return candidates;
}

// The unit for the resolved `path`: a directory's contents or one object.
// nullopt when .dockerignore leaves nothing of it.
std::optional<CopyUnit> TreeSelector::UnitFor(const std::string& path, std::string name) {
  struct stat st {};
  if (fstatat(root_fd_.get(), path.empty() ? "." : path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno(options_.where + ": stat " + JoinPath(root_, path));
  }
  if (!path.empty() && Ignored(path, st)) return std::nullopt;
  CopyUnit unit;
  unit.host_root = root_;
  unit.name = std::move(name);
  unit.keep_owners = options_.keep_owners;
  links_.clear();
  AddObject(unit, path, "", st);
  if (!S_ISDIR(st.st_mode)) return unit;
  unit.contents_only = true;
  UniqueFd dir = OpenSubdirectory(root_fd_.get(), path);
  if (!dir.valid()) FailErrno(options_.where + ": open " + JoinPath(root_, path));
  IgnoreRules::State ignored = Active(options_.ignore) ? options_.ignore->StateOf(path)
                                                        : IgnoreRules::State();
  Walk(unit, dir.get(), path, "", ignored, IgnoreRules::State());
  bool excluded = !path.empty() && Active(options_.ignore) && options_.ignore->Excluded(path);
  if (excluded && unit.objects.size() == 1) return std::nullopt;
  return unit;
}

void TreeSelector::AddObject(CopyUnit& unit, const std::string& source, std::string rel,
                             const struct stat& st) {
  CopyObject object;
  object.rel = std::move(rel);
  object.source = source;
  SetObjectStat(object, st);
  if (S_ISREG(st.st_mode)) {
    bool first = true;
    if (st.st_nlink > 1) {
      auto [link, inserted] = links_.try_emplace({st.st_dev, st.st_ino},
                                                 static_cast<int>(unit.objects.size()));
      first = inserted;
      if (!first) object.hardlink_to = link->second;
    }
    if (first) {
      object.digest = stat_cache_.FileDigest(JoinPath(root_, source), st).ToString();
    }
  } else if (S_ISLNK(st.st_mode)) {
    object.link_target = ReadLinkAt(root_fd_.get(), source);
  }
  unit.objects.push_back(std::move(object));
}

// One sorted pass over a directory: each entry is stat'ed once, checked
// against .dockerignore (by its path in the tree) and --exclude (by its
// path in the unit), and hashed through the StatCache.
void TreeSelector::Walk(CopyUnit& unit, int dir_fd, const std::string& source,
                        const std::string& rel, const IgnoreRules::State& ignored,
                        const IgnoreRules::State& excluded) {
  for (const std::string& name : SortedNames(dir_fd, JoinPath(root_, source))) {
    if (++walked_ % kCancelCheckInterval == 0 && options_.cancel != nullptr &&
        options_.cancel->cancelled()) {
      Fail("{}: cancelled", options_.where);
    }
    std::string child_source = JoinPath(source, name);
    std::string child_rel = JoinPath(rel, name);
    struct stat st {};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we walk
      FailErrno(options_.where + ": stat " + JoinPath(root_, child_source));
    }
    if (S_ISSOCK(st.st_mode)) continue;  // sockets cannot be copied
    bool is_dir = S_ISDIR(st.st_mode);
    IgnoreRules::State child_ignored, child_excluded;
    if (Active(options_.ignore)) {
      child_ignored = options_.ignore->Check(child_source, ignored);
      if (child_ignored.excluded &&
          (!is_dir || !options_.ignore->MayReincludeBelow(child_source))) {
        continue;
      }
    }
    if (Active(options_.excludes)) {
      child_excluded = options_.excludes->Check(child_rel, excluded);
      if (child_excluded.excluded &&
          (!is_dir || !options_.excludes->MayReincludeBelow(child_rel))) {
        continue;
      }
    }
    size_t index = unit.objects.size();
    AddObject(unit, child_source, child_rel, st);
    if (!is_dir) continue;
    UniqueFd child = OpenSubdirectory(dir_fd, name);
    if (!child.valid()) FailErrno(options_.where + ": open " + JoinPath(root_, child_source));
    Walk(unit, child.get(), child_source, child_rel, child_ignored, child_excluded);
    // An excluded directory exists only to hold what was re-included.
    bool kept_open = child_ignored.excluded || child_excluded.excluded;
    if (kept_open && unit.objects.size() == index + 1) unit.objects.pop_back();
  }
}

// --parents: "a/./b/*.txt" copies a/b/x.txt as b/x.txt; without "/./" the
// pivot is the root and the whole path is kept.
std::vector<CopyUnit> TreeSelector::SelectWithParents(std::string_view source) {
  size_t cut = source.find("/./");
  bool pivoted = cut != std::string_view::npos;
  std::string pivot_source = pivoted ? std::string(source.substr(0, cut)) : "";
  std::string pattern = CleanSource(pivoted ? source.substr(cut + 3) : source);
  std::optional<Found> pivot = Resolve(CleanSource(pivot_source));
  if (!pivot || !S_ISDIR(pivot->st.st_mode)) NotFound(source, false);
  std::vector<std::string> matches;
  if (HasWildcards(pattern)) {
    std::string base;
    matches = ExpandPattern(JoinPath(pivot->path, pattern), &base);
  } else {
    std::string path = JoinPath(pivot->path, pattern);
    struct stat st {};
    bool exists = fstatat(root_fd_.get(), path.empty() ? "." : path.c_str(), &st,
                          AT_SYMLINK_NOFOLLOW) == 0;
    if (!exists || Ignored(path, st)) NotFound(source, exists);
    matches.push_back(path);
  }
  CopyUnit unit;
  unit.host_root = root_;
  unit.contents_only = true;
  unit.keep_owners = options_.keep_owners;
  links_.clear();
  AddObject(unit, pivot->path, "", pivot->st);
  std::set<std::string> parents_added;
  for (const std::string& match : matches) {
    AddBelowPivot(unit, pivot->path, match, parents_added);
  }
  std::vector<CopyUnit> units;
  units.push_back(std::move(unit));
  return units;
}

// Adds `match` with the directories between the pivot and it.
void TreeSelector::AddBelowPivot(CopyUnit& unit, const std::string& pivot,
                                 const std::string& match, std::set<std::string>& parents_added) {
  std::string rel = match.substr(pivot.empty() ? 0 : pivot.size() + 1);
  if (rel.empty()) {  // the pivot itself: all of it
    UniqueFd dir = OpenSubdirectory(root_fd_.get(), pivot);
    IgnoreRules::State ignored =
        Active(options_.ignore) ? options_.ignore->StateOf(pivot) : IgnoreRules::State();
    Walk(unit, dir.get(), pivot, "", ignored, IgnoreRules::State());
    return;
  }
  if (Active(options_.excludes) && options_.excludes->Excluded(rel)) return;
  struct stat st {};
  for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
    std::string parent = rel.substr(0, slash);
    if (!parents_added.insert(parent).second) continue;
    std::string parent_source = JoinPath(pivot, parent);
    if (fstatat(root_fd_.get(), parent_source.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      FailErrno(options_.where + ": stat " + JoinPath(root_, parent_source));
    }
    AddObject(unit, parent_source, parent, st);
  }
  if (fstatat(root_fd_.get(), match.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    FailErrno(options_.where + ": stat " + JoinPath(root_, match));
  }
  AddObject(unit, match, rel, st);
  if (!S_ISDIR(st.st_mode)) return;
  UniqueFd dir = OpenSubdirectory(root_fd_.get(), match);
  if (!dir.valid()) FailErrno(options_.where + ": open " + JoinPath(root_, match));
  IgnoreRules::State ignored =
      Active(options_.ignore) ? options_.ignore->StateOf(match) : IgnoreRules::State();
  Walk(unit, dir.get(), match, rel,
       ignored, Active(options_.excludes) ? options_.excludes->StateOf(rel) : IgnoreRules::State());
}

}  // namespace imgbuild::builder
