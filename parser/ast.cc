#include "parser/ast.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

namespace imgbuild::parser {
namespace {

constexpr std::array<std::string_view, 18> kKeywords = {
    "ADD",     "ARG",     "CMD",  "COPY",       "ENTRYPOINT", "ENV",
    "EXPOSE",  "FROM",    "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
    "RUN",     "SHELL",   "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string Upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string UnknownKeywordMessage(std::string_view word) {
  std::string upper = Upper(word);
  std::string message = fmt::format("unknown instruction: {}", word);
  std::string_view best;
  size_t best_distance = 3;  // Suggest only near misses.
  for (std::string_view keyword : kKeywords) {
    size_t distance = EditDistance(upper, keyword);
    if (distance < best_distance) {
      best_distance = distance;
      best = keyword;
    }
  }
  if (!best.empty()) message += fmt::format(" (did you mean {}?)", best);
  return message;
}

// One physical line of the recipe, without its line ending.
struct PhysicalLine {
  std::string_view text;
  std::string_view ending;  // "\n", "\r\n", or "" on the last line.
};

std::vector<PhysicalLine> SplitLines(std::string_view text) {
  std::vector<PhysicalLine> lines;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  size_t start = 0;
  while (start < text.size()) {
    size_t newline = text.find('\n', start);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    size_t content_end = end;
    if (content_end > start && text[content_end - 1] == '\r') --content_end;
    lines.push_back({text.substr(start, content_end - start),
                     text.substr(content_end, (newline == std::string_view::npos ? end : end + 1) - content_end)});
    start = newline == std::string_view::npos ? text.size() : newline + 1;
  }
  return lines;
}

size_t LeadingSpace(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  return i;
}

bool IsCommentLine(std::string_view text) {
  size_t i = LeadingSpace(text);
  return i < text.size() && text[i] == '#';
}

// Parser directives (`# escape=\``): only before anything else in the file.
class DirectiveReader {
 public:
  explicit DirectiveReader(Directives& directives) : directives_(directives) {}

  /// Returns true when `line` was a directive; an error message in `error`.
  bool Read(std::string_view line, std::string& error) {
    if (done_) return false;
    std::string_view name, value;
    if (!Match(line, name, value)) {
      done_ = true;
      return false;
    }
    std::string key = Lower(name);
    if (key != "escape" && key != "syntax" && key != "check") {
      done_ = true;
      return false;
    }
    if (std::find(seen_.begin(), seen_.end(), key) != seen_.end()) {
      error = fmt::format("only one {} parser directive can be used", key);
      return true;
    }
    seen_.push_back(key);
    if (key == "escape") {
      if (value != "\\" && value != "`") {
        error = fmt::format("invalid escape token '{}' does not match ` or \\", value);
      } else {
        directives_.escape = value[0];
      }
    } else if (key == "syntax") {
      directives_.syntax = std::string(value);
    } else {
      directives_.check = std::string(value);
    }
    return true;
  }

  void Stop() { done_ = true; }

 private:
  // Matches `#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
  static bool Match(std::string_view line, std::string_view& name, std::string_view& value) {
    size_t i = 0;
    if (line.empty() || line[0] != '#') return false;
    ++i;
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t name_start = i;
    if (i >= line.size() || !std::isalpha(static_cast<unsigned char>(line[i]))) return false;
    while (i < line.size() && std::isalnum(static_cast<unsigned char>(line[i]))) ++i;
    name = line.substr(name_start, i - name_start);
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i >= line.size() || line[i] != '=') return false;
    ++i;
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t end = line.size();
    while (end > i && IsSpace(line[end - 1])) --end;
    if (end == i) return false;
    value = line.substr(i, end - i);
    return true;
  }

  Directives& directives_;
  std::vector<std::string> seen_;
  bool done_ = false;
};

// A logical line: continuation lines joined, with a map from offsets in the
// joined text back to recipe lines and columns.
class LogicalLine {
 public:
  void Append(std::string_view text, int line, int column) {
    segments_.push_back({text_.size(), line, column});
    text_ += text;
  }
  const std::string& text() const { return text_; }
  SourceLocation Locate(size_t offset) const {
    auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                               [](size_t value, const Segment& s) { return value < s.offset; });
    if (it == segments_.begin()) return {};
    --it;
    return {it->line, it->column + static_cast<int>(offset - it->offset)};
  }

 private:
  struct Segment {
    size_t offset;
    int line;
    int column;
  };
  std::string text_;
  std::vector<Segment> segments_;
};

// Removes a trailing line-continuation token (and whitespace after it).
// Returns false when the line does not continue. As BuildKit, an escaped
// escape token (`\\` at the end) does not continue the line.
bool TrimContinuation(std::string_view& line, char escape) {
  size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  if (end >= 2 && line[end - 2] == escape) return false;
  line = line.substr(0, end - 1);
  return true;
}

// Splits `text` into words at unquoted whitespace, keeping quotes and
// escapes in the words, and records where each word starts.
struct RawWord {
  std::string text;
  size_t offset;
};

std::vector<RawWord> SplitRawWords(std::string_view text, char escape) {
  std::vector<RawWord> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size()) break;
    RawWord word{"", i};
    char quote = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (quote == 0 && IsSpace(c)) break;
      if (c == escape && quote != '\'' && i + 1 < text.size()) {
        word.text += c;
        word.text += text[++i];
        continue;
      }
      if (quote == 0 && (c == '\'' || c == '"')) quote = c;
      else if (c == quote) quote = 0;
      word.text += c;
    }
    words.push_back(std::move(word));
  }
  return words;
}

// Removes quotes and escapes from a raw word, without expanding anything.
std::string Unquote(std::string_view word, char escape) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c == escape && quote != '\'' && i + 1 < word.size()) {
      out += word[++i];
    } else if (quote == 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    } else {
      out += c;
    }
  }
  return out;
}

// Reads the leading `--name[=value]` words of `args` (BuildKit's
// extractBuilderFlags): quotes and backslash escapes are removed, a lone
// `--` ends the flags. Returns the offset where the arguments start.
size_t ExtractFlags(std::string_view args, const LogicalLine& line, size_t base,
                    std::vector<RawFlag>& flags) {
  size_t i = 0;
  while (true) {
    while (i < args.size() && IsSpace(args[i])) ++i;
    if (i + 1 >= args.size() || args[i] != '-' || args[i + 1] != '-') return i;
    size_t start = i;
    std::string word;
    char quote = 0;
    bool quoted = false;
    for (; i < args.size(); ++i) {
      char c = args[i];
      if (quote == 0 && IsSpace(c)) break;
      if (c == '\\' && i + 1 < args.size()) {
        word += args[++i];
      } else if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
        quoted = true;
      } else if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    }
    if (word == "--" && !quoted) {
      while (i < args.size() && IsSpace(args[i])) ++i;
      return i;
    }
    RawFlag flag;
    flag.where = line.Locate(base + start);
    size_t equals = word.find('=');
    flag.name = word.substr(2, equals == std::string::npos ? std::string::npos : equals - 2);
    if (equals != std::string::npos) flag.value = word.substr(equals + 1);
    flags.push_back(std::move(flag));
  }
}

// Heredoc words: `[fd]<<[-]NAME`, NAME possibly quoted (no expansion then).
std::optional<Heredoc> HeredocFromWord(std::string_view word) {
  size_t i = 0;
  while (i < word.size() && std::isdigit(static_cast<unsigned char>(word[i]))) ++i;
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  Heredoc heredoc;
  if (i < word.size() && word[i] == '-') {
    heredoc.chomp = true;
    ++i;
  }
  std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
  heredoc.name = Unquote(rest, '\\');
  if (heredoc.name.empty()) return std::nullopt;
  heredoc.expand = rest.find_first_of("'\"") == std::string_view::npos;
  return heredoc;
}

}  // namespace

bool AllowsHeredocs(std::string_view keyword) {
  return keyword == "RUN" || keyword == "COPY" || keyword == "ADD";
}

std::optional<std::vector<std::string>> ParseJsonStringArray(std::string_view text) {
  size_t start = LeadingSpace(text);
  if (start >= text.size() || text[start] != '[') return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) return std::nullopt;
  std::vector<std::string> values;
  for (const auto& element : parsed) {
    if (!element.is_string()) return std::nullopt;
    values.push_back(element.get<std::string>());
  }
  return values;
}

std::string_view Ast::Line(int line) const {
  if (line < 1 || line > static_cast<int>(lines.size())) return {};
  return lines[line - 1];
}

ParseError Ast::ErrorAt(SourceLocation where, std::string message) const {
  return ParseError(file, where, std::move(message), Line(where.line));
}

namespace {

class AstParser {
 public:
  AstParser(std::string_view text, std::string file) : lines_(SplitLines(text)) {
    ast_.file = std::move(file);
    for (const PhysicalLine& line : lines_) ast_.lines.emplace_back(line.text);
  }

  /// For one instruction outside a recipe: errors quote `context`'s lines.
  explicit AstParser(const Ast& context) {
    ast_.file = context.file;
    ast_.directives = context.directives;
    ast_.lines = context.lines;
  }

  Ast Parse() {
    DirectiveReader directives(ast_.directives);
    while (next_ < lines_.size()) {
      int number = static_cast<int>(next_) + 1;
      std::string_view text = lines_[next_++].text;
      size_t indent = LeadingSpace(text);
      std::string directive_error;
      if (directives.Read(text.substr(indent), directive_error)) {
        if (!directive_error.empty()) throw ast_.ErrorAt({number, 1}, directive_error);
        continue;
      }
      if (IsCommentLine(text)) continue;
      directives.Stop();
      LogicalLine line = ReadLogicalLine(text.substr(indent), number, static_cast<int>(indent) + 1);
      if (line.text().find_first_not_of(" \t\r\n\v\f") == std::string::npos) continue;
      ast_.instructions.push_back(MakeInstruction(line, number, last_line_));
      ReadHeredocBodies(ast_.instructions.back());
    }
    if (ast_.instructions.empty()) {
      throw ast_.ErrorAt({static_cast<int>(lines_.size()), 0}, "file with no instructions");
    }
    return std::move(ast_);
  }

  RawInstruction ParseSingle(std::string_view text, int line) {
    LogicalLine logical;
    logical.Append(text, line, 1);
    return MakeInstruction(logical, line, line);
  }

 private:
  // Joins continuation lines, skipping comment and empty lines inside.
  LogicalLine ReadLogicalLine(std::string_view first, int number, int column) {
    char escape = ast_.directives.escape;
    LogicalLine line;
    bool continues = TrimContinuation(first, escape);
    line.Append(first, number, column);
    last_line_ = number;
    bool saw_empty = false;
    while (continues) {
      if (next_ >= lines_.size()) {
        RejectEmptyContinuationAtEnd(line, number);
        break;
      }
      int current = static_cast<int>(next_) + 1;
      std::string_view text = lines_[next_++].text;
      last_line_ = current;
      if (IsCommentLine(text)) continue;
      if (LeadingSpace(text) == text.size()) {
        saw_empty = true;
        continue;
      }
      continues = TrimContinuation(text, escape);
      line.Append(text, current, 1);
    }
    if (saw_empty) {
      ast_.warnings.push_back({{number, column},
                               "empty continuation line found in: " + line.text() +
                                   " (empty continuation lines will become errors)"});
    }
    return line;
  }

  // `RUN \` as the last line leaves an instruction without arguments:
  // report it where the dangling continuation is, rather than as a
  // missing argument.
  void RejectEmptyContinuationAtEnd(const LogicalLine& line, int start) {
    std::string_view text = line.text();
    size_t begin = LeadingSpace(text);
    size_t keyword_end = begin;
    while (keyword_end < text.size() && !IsSpace(text[keyword_end])) ++keyword_end;
    if (LeadingSpace(text.substr(keyword_end)) == text.size() - keyword_end) {
      int last = static_cast<int>(lines_.size());
      throw ast_.ErrorAt({last, static_cast<int>(ast_.Line(last).size())},
                         fmt::format("unexpected end of file: the line continuation of {} "
                                     "(line {}) is followed by nothing",
                                     Upper(text.substr(begin, keyword_end - begin)), start));
    }
    ast_.warnings.push_back({{start, 1}, "line continuation at end of file"});
  }

  RawInstruction MakeInstruction(const LogicalLine& line, int first_line, int last_line) {
    const std::string& text = line.text();
    size_t begin = LeadingSpace(text);
    size_t keyword_end = begin;
    while (keyword_end < text.size() && !IsSpace(text[keyword_end])) ++keyword_end;
    RawInstruction raw;
    std::string_view word(text.data() + begin, keyword_end - begin);
    raw.keyword = Upper(word);
    raw.keyword_at = line.Locate(begin);
    if (std::find(kKeywords.begin(), kKeywords.end(), raw.keyword) == kKeywords.end()) {
      throw ast_.ErrorAt(raw.keyword_at, UnknownKeywordMessage(word));
    }
    raw.original = text;
    raw.range = {first_line, last_line};
    std::string_view rest(text.data() + keyword_end, text.size() - keyword_end);
    size_t args_start = ExtractFlags(rest, line, keyword_end, raw.flags);
    std::string_view args = rest.substr(args_start);
    while (!args.empty() && IsSpace(args.back())) args.remove_suffix(1);
    raw.args = std::string(args);
    raw.args_at = line.Locate(keyword_end + args_start);
    raw.json_args = ParseJsonStringArray(raw.args);
    if (raw.keyword == "ONBUILD" && !raw.args.empty()) {
      LogicalLine inner;
      inner.Append(raw.args, raw.args_at.line, raw.args_at.column);
      raw.trigger.push_back(MakeInstruction(inner, first_line, last_line));
    }
    return raw;
  }

  // Heredoc bodies follow the instruction's last line, one after another.
  void ReadHeredocBodies(RawInstruction& raw) {
    RawInstruction& target = raw.trigger.empty() ? raw : raw.trigger.front();
    if (!AllowsHeredocs(target.keyword) || target.json_args || target.original.find("<<") == std::string::npos) {
      return;
    }
    for (const RawWord& word : SplitRawWords(target.original, '\\')) {
      std::optional<Heredoc> heredoc = HeredocFromWord(word.text);
      if (!heredoc) continue;
      ReadHeredocBody(*heredoc, raw.range.start_line);
      target.heredocs.push_back(std::move(*heredoc));
    }
    raw.range.end_line = last_line_;
    if (&target != &raw) target.range = raw.range;
  }

  void ReadHeredocBody(Heredoc& heredoc, int start_line) {
    while (next_ < lines_.size()) {
      const PhysicalLine& line = lines_[next_++];
      last_line_ = static_cast<int>(next_);
      std::string_view candidate = line.text;
      if (heredoc.chomp) candidate.remove_prefix(std::min(candidate.find_first_not_of('\t'), candidate.size()));
      if (candidate == heredoc.name) return;
      std::string_view body = line.text;
      if (heredoc.chomp) body.remove_prefix(std::min(body.find_first_not_of('\t'), body.size()));
      heredoc.content += body;
      heredoc.content += line.ending.empty() ? "\n" : line.ending;
    }
    throw ast_.ErrorAt({start_line, 0},
                       fmt::format("unterminated heredoc: no line \"{}\" ends the heredoc "
                                   "started on line {}",
                                   heredoc.name, start_line));
  }

  std::vector<PhysicalLine> lines_;
  size_t next_ = 0;
  int last_line_ = 0;
  Ast ast_;
};

}  // namespace

Ast ParseAst(std::string_view text, std::string file) {
  if (file == "-") file = "<stdin>";
  return AstParser(text, std::move(file)).Parse();
}

RawInstruction ParseRawInstruction(std::string_view text, const Ast& context, int line) {
  return AstParser(context).ParseSingle(text, line);
}

}  // namespace imgbuild::parser
