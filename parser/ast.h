// The untyped syntax tree of a recipe: directives, then one RawInstruction
// per logical line (continuations joined, comments dropped, heredoc bodies
// attached). Nothing here knows what an instruction means; see
// instructions.h for that. Modelled on BuildKit's frontend/dockerfile/parser.
#ifndef IMGBUILD_PARSER_AST_H_
#define IMGBUILD_PARSER_AST_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/source.h"

namespace imgbuild::parser {

/// Parser directives from the top of the recipe (`# escape=`, `# syntax=`,
/// `# check=`). Only escape changes parsing; the others are recorded.
struct Directives {
  char escape = '\\';
  std::optional<std::string> syntax;
  std::optional<std::string> check;
};

/// A heredoc body attached to a RUN, COPY or ADD (`<<EOF`, `<<-EOF`,
/// `<<"EOF"`).
struct Heredoc {
  std::string name;     ///< The delimiter, quotes removed.
  std::string content;  ///< The body; every line ends in '\n'.
  bool expand = true;   ///< False when the delimiter was quoted.
  bool chomp = false;   ///< `<<-`: leading tabs were removed from the body.
};

/// A `--name[=value]` word that came right after the keyword.
struct RawFlag {
  std::string name;                  ///< Without the dashes: "from".
  std::optional<std::string> value;  ///< Quotes removed; nullopt for a bare `--link`.
  SourceLocation where;              ///< Where the `--` starts.
};

/// Something the recipe does that works but deserves a note, e.g. an empty
/// continuation line. Printed by `imgbuild parse` and lint checks.
struct Warning {
  SourceLocation where;
  std::string message;
};

/// One instruction as written, before any meaning is given to it.
struct RawInstruction {
  std::string keyword;          ///< Upper case, as recognised: "RUN".
  SourceLocation keyword_at;    ///< Where the keyword starts.
  std::vector<RawFlag> flags;   ///< Leading flags, in recipe order.
  std::string args;             ///< The rest of the logical line, continuations joined.
  SourceLocation args_at;       ///< Where `args` starts.
  /// The arguments when `args` is a JSON array of strings (exec form).
  std::optional<std::vector<std::string>> json_args;
  std::vector<Heredoc> heredocs;  ///< Bodies of `<<` words in `args`, in order.
  /// For ONBUILD, the instruction it registers (exactly one element).
  std::vector<RawInstruction> trigger;
  SourceRange range;            ///< Lines spanned, heredoc bodies included.
  std::string original;         ///< The logical line, as BuildKit's Node.Original.
};

/// A parsed recipe.
struct Ast {
  std::string file;                      ///< The name used in error messages.
  Directives directives;
  std::vector<RawInstruction> instructions;
  std::vector<Warning> warnings;
  std::vector<std::string> lines;        ///< The recipe's physical lines, for error quotes.

  /// Returns line `line` (1-based) of the recipe, or "" when out of range.
  std::string_view Line(int line) const;
  /// Builds a ParseError pointing at `where` in this recipe.
  ParseError ErrorAt(SourceLocation where, std::string message) const;
};

/// Keywords that take heredocs (`<<EOF`) in their arguments.
bool AllowsHeredocs(std::string_view keyword);

/// Parses `text` as a JSON array of strings (the exec form); nullopt when
/// it is anything else.
std::optional<std::vector<std::string>> ParseJsonStringArray(std::string_view text);

/// Parses recipe text. `file` names the recipe in errors ("-" for stdin is
/// shown as "<stdin>"). Throws ParseError for an unknown instruction, an
/// unterminated heredoc, an empty continuation at the end of the file, a
/// bad or repeated directive.
Ast ParseAst(std::string_view text, std::string file);

/// Parses one instruction's text, as stored by ONBUILD in an image config,
/// as if it stood on line `line` of `context`. Throws ParseError.
RawInstruction ParseRawInstruction(std::string_view text, const Ast& context, int line);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_AST_H_
