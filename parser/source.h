// Where things are in a recipe, and the error that points there.
#ifndef IMGBUILD_PARSER_SOURCE_H_
#define IMGBUILD_PARSER_SOURCE_H_

#include <string>
#include <string_view>

#include "util/error.h"

namespace imgbuild::parser {

/// A position in a recipe; line and column are 1-based, 0 means unknown.
struct SourceLocation {
  int line = 0;
  int column = 0;
};

/// The lines an instruction spans, continuations and heredoc bodies included.
struct SourceRange {
  int start_line = 0;
  int end_line = 0;
};

/// A recipe that cannot be parsed or resolved. what() reads
///   Buildfile:3:7: unknown flag --form for COPY; did you mean --from?
///     COPY --form=build /app /app
///          ^
/// so a user sees the file, the place, the line and what was expected.
class ParseError : public Error {
 public:
  /// `source_line` is the text of line `where.line`, quoted under the message.
  ParseError(std::string file, SourceLocation where, std::string message,
             std::string_view source_line);

  const std::string& file() const { return file_; }
  SourceLocation where() const { return where_; }
  /// The message without location and quoted line.
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  SourceLocation where_;
  std::string message_;
};

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_SOURCE_H_
