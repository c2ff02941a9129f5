// Go's filepath.Match, the wildcard syntax of COPY/ADD sources, and the
// moby/patternmatcher syntax built on it (`**`, exact, prefix and suffix
// shortcuts) that .dockerignore and --exclude use. Both work on "/"-separated
// paths and treat the text as UTF-8: `?` and `[...]` consume one character.
#ifndef IMGBUILD_BUILDER_GLOB_H_
#define IMGBUILD_BUILDER_GLOB_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::builder {

/// Go's filepath.Match: `*` matches any run of characters but '/', `?` one
/// character but '/', `[...]` a class (ranges, leading `^` negates), `\`
/// escapes the next character. Returns nullopt when the pattern is
/// malformed (unterminated class, bad range, trailing `\`), whatever `name`.
std::optional<bool> GlobMatch(std::string_view pattern, std::string_view name);

/// True when `text` holds an unescaped `*`, `?` or `[`, as BuildKit's
/// containsWildcards decides whether a source is a pattern.
bool HasWildcards(std::string_view text);

/// One compiled moby/patternmatcher pattern (without its `!`).
class PathPattern {
 public:
  /// Compiles `cleaned` (already cleaned like Go's filepath.Clean). Throws
  /// Error naming the pattern when Go's filepath.Match would reject it.
  explicit PathPattern(std::string cleaned);

  /// Whether the slash-separated relative `path` matches, exactly as the
  /// regular expression moby/patternmatcher builds: `*` and `?` stay inside
  /// one component, `**/` spans any number of directories, a trailing `**`
  /// matches everything below.
  bool Matches(std::string_view path) const;

  const std::string& text() const { return text_; }

 private:
  enum class Kind { kExact, kPrefix, kSuffix, kRegexp };
  struct Token {
    enum class Type { kLiteral, kAnyRun, kAnyOne, kAnyDirs, kAnything, kClass };
    Type type;
    std::string text;  // kLiteral: the bytes; kClass: the class body as written
  };
  bool MatchTokens(size_t token, std::string_view path) const;

  std::string text_;
  Kind kind_ = Kind::kExact;
  std::string affix_;  // kPrefix, kSuffix: the literal part
  std::vector<Token> tokens_;
};

/// Go's path.Clean: drops empty and "." components, resolves ".." lexically
/// (at the root it stays at the root; a relative path keeps leading ".."),
/// keeps a leading "/", returns "." for an empty result.
std::string CleanPath(std::string_view path);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_GLOB_H_
