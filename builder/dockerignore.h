// .dockerignore: which context paths COPY and ADD may see, with Docker's
// rules (moby/patternmatcher): one pattern per line, `#` comments, patterns
// cleaned and relative to the context root (a leading `/` is dropped),
// Go filepath.Match syntax plus `**` for any number of directories, `!`
// re-includes, the last matching line wins, and a pattern matching a
// directory excludes everything below it. BuildKit also reads
// `<recipe>.dockerignore` next to the recipe, which takes precedence.
#ifndef IMGBUILD_BUILDER_DOCKERIGNORE_H_
#define IMGBUILD_BUILDER_DOCKERIGNORE_H_

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::builder {

class IgnoreRules {
 public:
  /// No rules: nothing is excluded.
  IgnoreRules() = default;

  /// Parses the text of an ignore file; `origin` (a path) names it in
  /// errors, which carry origin:line. Throws Error for a malformed pattern
  /// (e.g. an unterminated `[`).
  static IgnoreRules Parse(std::string_view text, std::string_view origin);

  /// The rules for a build: `<recipe>.dockerignore` when it exists next to
  /// the recipe, else CONTEXT/.dockerignore, else none. Throws Error when
  /// the file exists but cannot be read or parsed.
  static IgnoreRules ForBuild(const std::string& context_dir, const std::string& recipe_path);

  /// Whether `path` (relative to the context, "/"-separated, cleaned, no
  /// leading "/") is excluded, taking its parents' exclusion into account.
  bool Excluded(std::string_view path) const;

  /// Whether some `!` pattern could re-include something below the
  /// directory `dir` although `dir` itself is excluded; when false a walk
  /// may skip the whole directory.
  bool MayReincludeBelow(std::string_view dir) const;

  /// True when there are no rules.
  bool empty() const { return patterns_.empty(); }

 private:
  struct Pattern {
    std::string text;  // cleaned, without the leading '!'
    bool exclusion = false;
    std::vector<std::string> segments;  // text split at '/'
  };
  std::vector<Pattern> patterns_;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_DOCKERIGNORE_H_
