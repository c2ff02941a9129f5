// .dockerignore: which context paths COPY and ADD may see, with Docker's
// rules (moby/patternmatcher): one pattern per line, `#` comments, patterns
// cleaned and relative to the context root (a leading `/` is dropped),
// Go filepath.Match syntax plus `**` for any number of directories, `!`
// re-includes, the last matching line wins, and a pattern matching a
// directory excludes everything below it. BuildKit also reads
// `<recipe>.dockerignore` next to the recipe, which takes precedence.
// COPY --exclude patterns follow the same rules.
#ifndef IMGBUILD_BUILDER_DOCKERIGNORE_H_
#define IMGBUILD_BUILDER_DOCKERIGNORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "builder/glob.h"

namespace imgbuild::builder {

class IgnoreRules {
 public:
  /// What matching a path found; a walk hands a directory's state to its
  /// children so that each pattern is tried once per path, as BuildKit's
  /// context walker (MatchesUsingParentResults) does.
  struct State {
    bool excluded = false;
    std::vector<bool> matched;  ///< Per pattern: it matched this path or a parent.
  };

  /// No rules: nothing is excluded.
  IgnoreRules() = default;

  /// Parses the text of an ignore file; `origin` (a path) names it in
  /// errors, which carry origin:line. Throws Error for a malformed pattern
  /// (e.g. an unterminated `[`, or a lone `!`).
  static IgnoreRules Parse(std::string_view text, std::string_view origin);

  /// Rules from patterns given one by one (COPY --exclude), cleaned like
  /// patternmatcher.New does. `origin` ("file:line: COPY --exclude") names
  /// them in errors. Throws Error for a malformed pattern.
  static IgnoreRules FromPatterns(const std::vector<std::string>& patterns,
                                  std::string_view origin);

  /// The rules for a build: `<recipe>.dockerignore` when it exists next to
  /// the recipe, else CONTEXT/.dockerignore, else none. Throws Error when
  /// the file exists but cannot be read or parsed.
  static IgnoreRules ForBuild(const std::string& context_dir, const std::string& recipe_path);

  /// Matches `path` (relative, "/"-separated, cleaned) given the state of
  /// its parent directory (a default State for a top-level path).
  State Check(std::string_view path, const State& parent) const;

  /// The state of `path` computed through each of its parents, as a walk
  /// from the root would have it.
  State StateOf(std::string_view path) const;

  /// Whether `path` (relative to the context, "/"-separated, cleaned, no
  /// leading "/") is excluded, taking its parents' exclusion into account.
  /// A walk that skips excluded directories (see MayReincludeBelow) sees
  /// exactly the paths for which this is false. The root ("") never is.
  bool Excluded(std::string_view path) const;

  /// Whether some `!` pattern could re-include something below the
  /// directory `dir` although `dir` itself is excluded; when false a walk
  /// may skip the whole directory. BuildKit's walker makes the same choice:
  /// `!` patterns with wildcards keep every excluded directory open, plain
  /// ones only the directories they lie below.
  bool MayReincludeBelow(std::string_view dir) const;

  /// True when there are no rules.
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    PathPattern matcher;
    bool reinclude = false;  // a `!` pattern
  };
  void Add(std::string_view pattern, std::string_view origin);

  std::vector<Pattern> patterns_;
  bool wildcard_exceptions_ = false;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_DOCKERIGNORE_H_
