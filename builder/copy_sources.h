// Selecting COPY/ADD sources in a directory tree (the build context or a
// stage) as BuildKit does: paths are cleaned into the tree's root, a
// source's own symlinks are followed inside the root (never out of it),
// wildcards are Go filepath.Match patterns per path component, a directory
// stands for its contents, ignored paths do not exist, --exclude patterns
// drop matches (by their path below the pattern's fixed prefix) and
// anything inside a directory source (by its path below that directory),
// and --parents keeps the path below a pivot. The walk is one sorted fstatat pass over directory descriptors;
// file contents are hashed through the StatCache.
#ifndef IMGBUILD_BUILDER_COPY_SOURCES_H_
#define IMGBUILD_BUILDER_COPY_SOURCES_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "builder/cancel_token.h"
#include "builder/copy_plan.h"
#include "builder/dockerignore.h"
#include "builder/stat_cache.h"
#include "util/fd.h"

namespace imgbuild::builder {

/// How a TreeSelector selects.
struct SelectionOptions {
  const IgnoreRules* ignore = nullptr;    ///< The context's .dockerignore; null for stages.
  const IgnoreRules* excludes = nullptr;  ///< --exclude; null when there are none.
  bool keep_owners = false;               ///< Stages: keep owners (see SourceTree).
  std::string description;                ///< "build context", for messages.
  std::string where;                      ///< "file:line: COPY", prefixed to errors.
  const CancelToken* cancel = nullptr;
};

/// Selects sources in one tree.
class TreeSelector {
 public:
  /// Opens the tree at `root`. Throws Error naming it when it is not a
  /// readable directory.
  TreeSelector(const std::string& root, StatCache& stat_cache, SelectionOptions options);

  /// The units one source (a path or a pattern, as written) stands for:
  /// one per match, none when a pattern matches nothing. With `parents`, a
  /// single unit whose objects keep their paths below the pivot ("a/./b"
  /// pivots at "a", else at the root). Throws Error for a plain path that
  /// does not exist (or is ignored), or an unreadable tree.
  std::vector<CopyUnit> Select(std::string_view source, bool parents);

 private:
  struct Found {
    std::string path;      // resolved, below the root
    struct stat st {};
  };
  std::optional<Found> Resolve(const std::string& path);  // follows the final symlink too
  std::vector<std::string> ExpandPattern(const std::string& pattern, std::string* base);
  bool Ignored(const std::string& path, const struct stat& st) const;
  std::optional<CopyUnit> UnitFor(const std::string& path, std::string name);
  void AddObject(CopyUnit& unit, const std::string& source, std::string rel,
                 const struct stat& st);
  void Walk(CopyUnit& unit, int dir_fd, const std::string& source, const std::string& rel,
            const IgnoreRules::State& ignored, const IgnoreRules::State& excluded);
  std::vector<CopyUnit> SelectWithParents(std::string_view source);
  void AddBelowPivot(CopyUnit& unit, const std::string& pivot, const std::string& match,
                     std::set<std::string>& parents_added);
  [[noreturn]] void NotFound(std::string_view source, bool ignored) const;

  std::string root_;  // real path of the tree
  UniqueFd root_fd_;
  StatCache& stat_cache_;
  SelectionOptions options_;
  size_t walked_ = 0;
  std::map<std::pair<dev_t, ino_t>, int> links_;  // hardlinked files of the current unit
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_COPY_SOURCES_H_
