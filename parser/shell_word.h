// Word expansion with Dockerfile rules: what ADD, COPY, ENV, EXPOSE, FROM,
// LABEL, STOPSIGNAL, USER, VOLUME and WORKDIR do to their arguments, and
// what the shell form of nothing else gets (RUN text is left to the shell).
// Modelled on BuildKit's frontend/dockerfile/shell package.
#ifndef IMGBUILD_PARSER_SHELL_WORD_H_
#define IMGBUILD_PARSER_SHELL_WORD_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace imgbuild::parser {

/// A failed expansion, such as `${V:?msg}` with V unset or a bad
/// substitution. The message does not carry a location: the caller, which
/// knows the recipe line, adds it.
class ExpansionError : public Error {
 public:
  using Error::Error;
};

/// Answers the value of a variable, or nullopt when it is not set.
/// "Set to the empty string" and "unset" differ for ${V-w} and ${V:-w}.
using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Expands words the way Docker does: $V, ${V}, ${V:-w}, ${V-w}, ${V:+w},
/// ${V+w}, ${V:?msg}, ${V?msg}, ${V#p}, ${V##p}, ${V%p}, ${V%%p}, ${V/p/r},
/// ${V//p/r}, the escape token, and single/double quote rules (quotes are
/// removed; no expansion inside single quotes; the escape token escapes
/// only `$`, the quote and itself inside double quotes).
///
/// BuildKit's lexer is followed rule for rule, including where it is not
/// sh: `$` before a non-name character is kept; $1, $@, $* and the other
/// special parameters are looked up like any name (and so are normally
/// empty); the word of every ${V...} form is expanded even when unused, so
/// `${V:-${W:?}}` fails with V set; in patterns only `*` and `?` are
/// wildcards (`[` is literal) and `\` is the pattern's escape whatever the
/// escape token; quotes inside a pattern are removed, not literal;
/// `${V:#p}` and `${V:%p}` mean `${V#p}` and `${V%p}`; `${V=w}`, `${V:=w}`,
/// `${#V}` and substrings are errors.
class WordExpander {
 public:
  /// `escape` is the recipe's escape token: '\\' or '`'.
  explicit WordExpander(char escape = '\\') : escape_(escape) {}

  /// Expands `word` as one word: whitespace stays part of the result.
  /// Adds the name of every variable it looked up to `used`, if given, so
  /// a cache key can include just the build args a step depends on; unset
  /// ones too, since setting one later changes the result.
  /// Throws ExpansionError for an unterminated quote or ${, a bad
  /// substitution or pattern, or a failed ${V?msg} / ${V:?msg}, whose
  /// message is then "V: msg" (or "V: is not allowed to be unset" /
  /// "V: is not allowed to be empty" without msg); other messages quote
  /// `word`. On a throw, `used` may hold part of the names.
  std::string ExpandWord(std::string_view word, const VarLookup& lookup,
                         std::set<std::string>* used = nullptr) const;

  /// Expands `text` and splits it into words at unquoted whitespace; an
  /// unquoted variable's value is split too, quoted text never is. Empty
  /// words are dropped, even quoted ones (`"" a` is one word), as BuildKit
  /// does. Collects `used` and throws as ExpandWord.
  std::vector<std::string> ExpandWords(std::string_view text, const VarLookup& lookup,
                                       std::set<std::string>* used = nullptr) const;

  char escape() const { return escape_; }

 private:
  char escape_;
};

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_SHELL_WORD_H_
