#include "parser/source.h"

#include <fmt/format.h>

namespace imgbuild::parser {
namespace {

// "file:line:col: message", then the line and a caret under the column.
std::string Describe(const std::string& file, SourceLocation where, const std::string& message,
                     std::string_view source_line) {
  std::string text = file;
  if (where.line > 0) text += fmt::format(":{}", where.line);
  if (where.line > 0 && where.column > 0) text += fmt::format(":{}", where.column);
  text += ": " + message;
  if (!source_line.empty()) {
    text += fmt::format("\n  {}", source_line);
    if (where.column > 0) {
      // Keep tabs so the caret lines up under tab-indented text.
      std::string pad;
      for (int i = 0; i < where.column - 1 && i < static_cast<int>(source_line.size()); ++i)
        pad += source_line[i] == '\t' ? '\t' : ' ';
      text += fmt::format("\n  {}^", pad);
    }
  }
  return text;
}

}  // namespace

ParseError::ParseError(std::string file, SourceLocation where, std::string message,
                       std::string_view source_line)
    : Error(Describe(file, where, message, source_line)),
      file_(std::move(file)),
      where_(where),
      message_(std::move(message)) {}

}  // namespace imgbuild::parser
