// Word expansion, following BuildKit's frontend/dockerfile/shell/lex.go
// rule for rule, quirks included: Docker's behaviour is what recipes are
// written against, so "what bash would do" is not the reference here.
// Two deliberate differences, both outside valid everyday text: bytes that
// are not UTF-8 pass through unchanged (BuildKit's scanner turns them into
// U+FFFD), and which non-ASCII characters may form a name is approximated
// (IsNameRune).
#include "parser/shell_word.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace imgbuild::parser {
namespace {

constexpr size_t kNoMatch = std::string_view::npos;

// One UTF-8 encoded character. A byte that starts no valid sequence is one
// character of its own, as Go decodes it (to U+FFFD, width 1).
struct Rune {
  char32_t value;
  size_t size;
};

Rune DecodeRune(std::string_view s, size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1};
  size_t size = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if ((lead & 0xE0) == 0xC0) {
    size = 2, value = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    size = 3, value = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    size = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return {0xFFFD, 1};
  }
  if (i + size > s.size()) return {0xFFFD, 1};
  for (size_t k = 1; k < size; ++k) {
    const auto byte = static_cast<unsigned char>(s[i + k]);
    if ((byte & 0xC0) != 0x80) return {0xFFFD, 1};
    value = (value << 6) | (byte & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return {0xFFFD, 1};
  return {value, size};
}

size_t RuneSize(std::string_view s, size_t i) { return DecodeRune(s, i).size; }

// Go's unicode.IsSpace: where BuildKit splits unquoted text into words.
bool IsSpace(char32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Go's unicode.IsLetter || IsDigit || '_': what a $name is made of. Exact for
// ASCII; beyond it every code point counts as a letter except these blocks
// of spaces, punctuation, symbols, combining marks, emoji and private use,
// so "$V—x", "$V。" and "$V€" end the name where Docker ends it without
// carrying Unicode's tables.
constexpr std::pair<char32_t, char32_t> kNonLetterRanges[] = {
    {0x80, 0xA9},       {0xAB, 0xB4},       {0xB6, 0xB9},       {0xBB, 0xBF},
    {0xD7, 0xD7},       {0xF7, 0xF7},       {0x300, 0x36F},     {0x1680, 0x1680},
    {0x2000, 0x2070},   {0x2074, 0x207E},   {0x2080, 0x208F},   {0x20A0, 0x20FF},
    {0x2150, 0x2182},   {0x2185, 0x2BFF},   {0x2E00, 0x2E7F},   {0x3000, 0x3004},
    {0x3008, 0x3020},   {0x3030, 0x3030},   {0x303D, 0x303F},   {0xD800, 0xF8FF},
    {0xFE00, 0xFE6F},   {0xFEFF, 0xFEFF},   {0xFF00, 0xFF0F},   {0xFF1A, 0xFF20},
    {0xFF3B, 0xFF40},   {0xFF5B, 0xFF65},   {0xFFE0, 0xFFFF},   {0x1F000, 0x1FAFF},
    {0xE0000, 0x10FFFF},
};

bool IsNameRune(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  return std::none_of(std::begin(kNonLetterRanges), std::end(kNonLetterRanges),
                      [c](const auto& range) { return c >= range.first && c <= range.second; });
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// POSIX special parameters ($@, $*, ...): one character is the whole name.
bool IsSpecialParam(char c) {
  return std::string_view("@*#?-$!0").find(c) != std::string_view::npos;
}

// Reverses `s` character by character. With `keep_escape_pairs`, each "\x"
// stays in order, as in BuildKit's reversePattern (a trailing lone '\' moves
// to the front).
std::string ReverseByCharacter(std::string_view s, bool keep_escape_pairs) {
  std::vector<std::string_view> units;
  for (size_t i = 0; i < s.size();) {
    size_t size = RuneSize(s, i);
    if (keep_escape_pairs && s[i] == '\\' && i + 1 < s.size()) size = 1 + RuneSize(s, i + 1);
    units.push_back(s.substr(i, size));
    i += size;
  }
  std::string reversed;
  reversed.reserve(s.size());
  for (auto unit = units.rbegin(); unit != units.rend(); ++unit) reversed += *unit;
  return reversed;
}

// A ${V#p}, ${V%p} or ${V/p/r} pattern with the meaning BuildKit gives it by
// turning it into a Go regexp: '*' is any run of characters and '?' any one
// character, neither of them a newline (like Go's '.'); "\*", "\?" and "\\"
// are literal; '\' before '}' or '/' is dropped; every other character,
// '[' and ']' included, is literal. Matching is leftmost-first, as Go's.
class Glob {
 public:
  /// `greedy`: whether '*' prefers the longest run. Throws ExpansionError
  /// (without context) for an escape BuildKit rejects.
  Glob(std::string_view pattern, bool greedy);

  /// Where the preferred match starting at each byte of `value` ends, or
  /// kNoMatch. One pass over (pattern x value) answers every start, so no
  /// search is quadratic in the value.
  std::vector<size_t> MatchEnds(std::string_view value) const;

 private:
  enum class Kind { kLiteral, kOneChar, kAnyRun };
  struct Atom {
    Kind kind;
    std::string literal;
  };

  std::vector<Atom> atoms_;
  bool greedy_;
};

Glob::Glob(std::string_view text, bool greedy) : greedy_(greedy) {
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '*' || c == '?') {
      atoms_.push_back({c == '*' ? Kind::kAnyRun : Kind::kOneChar, {}});
      ++i;
      continue;
    }
    if (c == '\\') {
      if (i + 1 == text.size()) throw ExpansionError("it ends with a lone '\\'");
      const char next = text[i + 1];
      if (next == '}' || next == '/') {  // escaped only to get past the lexer
        ++i;
        continue;
      }
      if (next != '*' && next != '?' && next != '\\') {
        throw ExpansionError(fmt::format(
            "'\\{}' is no escape there (only \\*, \\?, \\\\, \\}} and \\/ are)",
            text.substr(i + 1, RuneSize(text, i + 1))));
      }
      atoms_.push_back({Kind::kLiteral, std::string(1, next)});
      i += 2;
      continue;
    }
    const size_t size = RuneSize(text, i);
    atoms_.push_back({Kind::kLiteral, std::string(text.substr(i, size))});
    i += size;
  }
}

std::vector<size_t> Glob::MatchEnds(std::string_view value) const {
  const size_t n = value.size();
  // rest[i]: end of the preferred match of the atoms after the current one,
  // starting at i; here[i]: the same including the current atom.
  std::vector<size_t> rest(n + 1);
  std::vector<size_t> here(n + 1);
  for (size_t i = 0; i <= n; ++i) rest[i] = i;
  for (auto atom = atoms_.rbegin(); atom != atoms_.rend(); ++atom) {
    for (size_t i = n + 1; i-- > 0;) {
      const bool can_take = i < n && value[i] != '\n';
      const size_t after = can_take ? i + RuneSize(value, i) : 0;
      switch (atom->kind) {
        case Kind::kLiteral:
          here[i] = value.substr(i).starts_with(atom->literal) ? rest[i + atom->literal.size()]
                                                               : kNoMatch;
          break;
        case Kind::kOneChar:
          here[i] = can_take ? rest[after] : kNoMatch;
          break;
        case Kind::kAnyRun: {
          const size_t longer = can_take ? here[after] : kNoMatch;
          const size_t stop = rest[i];
          here[i] = greedy_ ? (longer != kNoMatch ? longer : stop)
                            : (stop != kNoMatch ? stop : longer);
          break;
        }
      }
    }
    std::swap(rest, here);
  }
  return rest;
}

// Go's re.FindStringIndex from `from`: the leftmost match, given MatchEnds.
std::optional<std::pair<size_t, size_t>> FindMatch(std::string_view value,
                                                   const std::vector<size_t>& ends, size_t from) {
  for (size_t i = from; i <= value.size(); i += i < value.size() ? RuneSize(value, i) : 1) {
    if (ends[i] != kNoMatch) return std::pair(i, ends[i]);
  }
  return std::nullopt;
}

// Go's Regexp.Expand for a pattern without groups: "$$" is '$', "$0" and
// "${0}" the match, any other "$name" or "${name}" nothing, and a '$' that
// starts no name stays. BuildKit's ${V//p/r} goes through it; ${V/p/r} not.
void AppendReplacement(std::string& out, std::string_view replacement, std::string_view match) {
  for (size_t i = 0; i < replacement.size();) {
    if (replacement[i] != '$') {
      out += replacement[i++];
      continue;
    }
    ++i;
    if (i < replacement.size() && replacement[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    const bool brace = i < replacement.size() && replacement[i] == '{';
    size_t end = i + (brace ? 1 : 0);
    const size_t name_start = end;
    while (end < replacement.size() && IsNameRune(DecodeRune(replacement, end).value))
      end += RuneSize(replacement, end);
    const std::string_view name = replacement.substr(name_start, end - name_start);
    if (name.empty() || (brace && (end == replacement.size() || replacement[end] != '}'))) {
      out += '$';
      continue;
    }
    i = end + (brace ? 1 : 0);
    if (name == "0") out += match;
  }
}

std::string ReplaceFirst(const Glob& glob, std::string_view value, std::string_view replacement) {
  const std::vector<size_t> ends = glob.MatchEnds(value);
  const auto match = FindMatch(value, ends, 0);
  if (!match) return std::string(value);
  std::string out(value.substr(0, match->first));
  out += replacement;
  out += value.substr(match->second);
  return out;
}

// Go's Regexp.ReplaceAllString, empty-match rules included.
std::string ReplaceAll(const Glob& glob, std::string_view value, std::string_view replacement) {
  const std::vector<size_t> ends = glob.MatchEnds(value);
  std::string out;
  size_t last_end = 0;
  for (size_t search = 0; search <= value.size();) {
    const auto match = FindMatch(value, ends, search);
    if (!match) break;
    const auto [start, end] = *match;
    out += value.substr(last_end, start - last_end);
    // No second replacement for an empty match right after a match.
    if (end > last_end || start == 0)
      AppendReplacement(out, replacement, value.substr(start, end - start));
    last_end = end;
    const size_t width = search < value.size() ? RuneSize(value, search) : 0;
    if (search + width > end) {
      search += width;
    } else if (search + 1 > end) {
      search += 1;
    } else {
      search = end;
    }
  }
  out += value.substr(last_end);
  return out;
}

// Where expanded text goes: one string (ExpandWord, and every word nested
// in ${...}), or words split the way BuildKit's ProcessWords splits them.
class Output {
 public:
  explicit Output(bool split) : split_(split) {}

  /// Unquoted text (literal characters, variable values): splits at spaces.
  void Unquoted(std::string_view text) {
    if (!split_) {
      current_ += text;
      return;
    }
    for (size_t i = 0; i < text.size();) {
      const Rune rune = DecodeRune(text, i);
      if (!IsSpace(rune.value)) {
        current_.append(text, i, rune.size);
      } else if (!current_.empty()) {
        words_.push_back(std::move(current_));
        current_.clear();
      }
      i += rune.size;
    }
  }

  /// Quoted or escaped text: never splits.
  void Quoted(std::string_view text) { current_ += text; }

  std::string TakeString() { return std::move(current_); }

  /// The words; like BuildKit, never an empty one, even for `""`.
  std::vector<std::string> TakeWords() {
    if (!current_.empty()) words_.push_back(std::move(current_));
    return std::move(words_);
  }

 private:
  bool split_;
  std::string current_;
  std::vector<std::string> words_;
};

// One expansion of one source text: a cursor over it, BuildKit's
// processStopOn/processDollar/... as methods.
class Expansion {
 public:
  Expansion(std::string_view source, char escape, const VarLookup& lookup,
            std::set<std::string>* used)
      : source_(source), escape_(escape), lookup_(lookup), used_(used) {
    // Go's text/scanner, which BuildKit reads words with, skips a leading BOM.
    if (source_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  void ExpandAll(Output& out) { Expand(out, std::nullopt, /*raw_escapes=*/false); }

 private:
  bool AtEnd() const { return pos_ == source_.size(); }
  std::string_view TakeRune() {
    const size_t size = RuneSize(source_, pos_);
    pos_ += size;
    return source_.substr(pos_ - size, size);
  }

  bool Expand(Output& out, std::optional<char> stop, bool raw_escapes);
  std::string ExpandUntil(char stop, bool raw_escapes, std::string_view opening);
  std::string_view SingleQuoted();
  std::string DoubleQuoted(bool raw_escapes);
  std::string Dollar();
  std::string Braced();
  std::string Conditional(const std::string& name, std::string_view op, std::string_view opening);
  std::string Trim(const std::string& value, std::string pattern, char side);
  std::string Replace(const std::string& name, size_t start);
  Glob MakeGlob(std::string_view pattern, bool greedy);
  std::string ReadName();
  std::optional<std::string> Lookup(const std::string& name);
  [[noreturn]] void Fail(std::string_view what) const {
    throw ExpansionError(fmt::format("{} in {:?}", what, source_));
  }
  [[noreturn]] void FailModifier(std::string_view op, std::string_view opening) const {
    Fail(fmt::format("bad substitution {:?}: unsupported modifier {:?}", opening, op));
  }

  std::string_view source_;
  size_t pos_ = 0;
  char escape_;
  const VarLookup& lookup_;
  std::set<std::string>* used_;
};

// BuildKit's processStopOn. `raw_escapes` keeps the escape token in the
// text, for patterns, whose own escapes are read later.
bool Expansion::Expand(Output& out, std::optional<char> stop, bool raw_escapes) {
  while (!AtEnd()) {
    const char c = source_[pos_];
    if (c == stop) {
      ++pos_;
      return true;
    }
    if (c == '$') {
      out.Unquoted(Dollar());
    } else if (c == '\'') {
      out.Quoted(SingleQuoted());
    } else if (c == '"') {
      out.Quoted(DoubleQuoted(raw_escapes));
    } else if (c == escape_) {
      ++pos_;
      if (raw_escapes) out.Quoted(source_.substr(pos_ - 1, 1));
      if (AtEnd()) break;  // a trailing escape token is dropped
      out.Quoted(TakeRune());
    } else {
      out.Unquoted(TakeRune());
    }
  }
  return !stop.has_value();
}

// A word inside ${...}, up to `stop` (consumed). `opening` is the "${V:-"
// before it, for the message when `stop` never comes.
std::string Expansion::ExpandUntil(char stop, bool raw_escapes, std::string_view opening) {
  Output out(/*split=*/false);
  if (!Expand(out, stop, raw_escapes)) {
    Fail(stop == '}' ? fmt::format("missing '}}' to close {:?}", opening)
                     : fmt::format("missing '{}' after the pattern of {:?}", stop, opening));
  }
  return out.TakeString();
}

// Everything up to the next quote, as is: no expansion, no escapes.
std::string_view Expansion::SingleQuoted() {
  const size_t start = pos_ + 1;
  const size_t end = source_.find('\'', start);
  if (end == std::string_view::npos) Fail("unterminated single quote");
  pos_ = end + 1;
  return source_.substr(start, end - start);
}

// Expands $, and the escape token escapes only '"', '$' and itself; before
// anything else it stays, as in sh.
std::string Expansion::DoubleQuoted(bool raw_escapes) {
  std::string text;
  ++pos_;
  for (;;) {
    if (AtEnd()) Fail("unterminated double quote");
    const char c = source_[pos_];
    if (c == '"') {
      ++pos_;
      return text;
    }
    if (c == '$') {
      text += Dollar();
      continue;
    }
    ++pos_;
    if (c == escape_) {
      if (raw_escapes) text += c;
      if (AtEnd()) continue;  // fails above: the quote is unterminated
      const char next = source_[pos_];
      if (next == '"' || next == '$' || next == escape_) {
        text += next;
        ++pos_;
        continue;
      }
    }
    text += c;
  }
}

std::string Expansion::Dollar() {
  ++pos_;
  if (AtEnd() || source_[pos_] != '{') {
    const std::string name = ReadName();
    if (name.empty()) return "$";  // "$" before a non-name character is literal
    return Lookup(name).value_or("");
  }
  ++pos_;
  return Braced();
}

// After "${".
std::string Expansion::Braced() {
  const size_t start = pos_ - 2;
  if (AtEnd()) Fail("missing '}' to close \"${\"");
  const char first = source_[pos_];
  if (first == '{' || first == '}' || first == ':') {
    Fail(fmt::format("bad substitution {:?}: a variable name must follow \"${{\"",
                     source_.substr(start, 3)));
  }
  const std::string name = ReadName();
  const size_t op_start = pos_;
  if (AtEnd()) Fail(fmt::format("missing '}}' to close {:?}", source_.substr(start)));
  const char op = source_[pos_++];
  if (op == '}') return Lookup(name).value_or("");
  if (op == ':') {
    if (AtEnd()) Fail(fmt::format("missing '}}' to close {:?}", source_.substr(start)));
    TakeRune();
  }
  const std::string_view op_text = source_.substr(op_start, pos_ - op_start);
  const std::string_view opening = source_.substr(start, pos_ - start);
  if (op == '/') return Replace(name, start);
  if (op == ':' || std::string_view("-+?#%").find(op) != std::string_view::npos)
    return Conditional(name, op_text, opening);
  pos_ = op_start;
  TakeRune();
  FailModifier(source_.substr(op_start, pos_ - op_start), source_.substr(start, pos_ - start));
}

// ${name<op>word} for the ops -, +, ?, # and %, each optionally after ':'.
std::string Expansion::Conditional(const std::string& name, std::string_view op,
                                   std::string_view opening) {
  const bool colon = op[0] == ':';
  const char kind = op[colon ? 1 : 0];
  // BuildKit expands the word before anything else, even after a bad op.
  std::string word = ExpandUntil('}', kind == '#' || kind == '%', opening);
  if (std::string_view("-+?#%").find(kind) == std::string_view::npos) FailModifier(op, opening);
  const std::optional<std::string> value = Lookup(name);
  // With ':', empty counts as unset for -, + and ?. "${V:#p}" is "${V#p}".
  const bool missing = !value || (colon && value->empty());
  switch (kind) {
    case '-':
      return missing ? word : *value;
    case '+':
      return missing ? "" : word;
    case '?':
      if (missing) {
        const char* reason = value ? "is not allowed to be empty" : "is not allowed to be unset";
        throw ExpansionError(fmt::format("{}: {}", name, word.empty() ? reason : word));
      }
      return *value;
    default:
      return Trim(value.value_or(""), std::move(word), kind);
  }
}

// ${V#p} and ${V%p}: the shortest match; doubled (## %%), the longest.
std::string Expansion::Trim(const std::string& value, std::string pattern, char side) {
  const bool greedy = !pattern.empty() && pattern[0] == side;
  if (greedy) pattern.erase(0, 1);
  if (side == '#') {
    const Glob glob = MakeGlob(pattern, greedy);
    const size_t end = glob.MatchEnds(value)[0];
    return end == kNoMatch ? value : value.substr(end);
  }
  // A suffix match is a prefix match of both reversed, as BuildKit does it.
  const Glob glob = MakeGlob(ReverseByCharacter(pattern, /*keep_escape_pairs=*/true), greedy);
  const size_t end = glob.MatchEnds(ReverseByCharacter(value, /*keep_escape_pairs=*/false))[0];
  return end == kNoMatch ? value : value.substr(0, value.size() - end);
}

// ${V/p/r} replaces the first match of p, ${V//p/r} every one.
// After "${V/"; `start` is where "${" is.
std::string Expansion::Replace(const std::string& name, size_t start) {
  const bool all = !AtEnd() && source_[pos_] == '/';
  if (all) ++pos_;
  const std::string_view opening = source_.substr(start, pos_ - start);
  const std::string pattern = ExpandUntil('/', /*raw_escapes=*/true, opening);
  const std::string replacement = ExpandUntil('}', /*raw_escapes=*/true, opening);
  const std::string value = Lookup(name).value_or("");
  const Glob glob = MakeGlob(pattern, /*greedy=*/true);
  return all ? ReplaceAll(glob, value, replacement) : ReplaceFirst(glob, value, replacement);
}

Glob Expansion::MakeGlob(std::string_view pattern, bool greedy) {
  try {
    return Glob(pattern, greedy);
  } catch (const ExpansionError& e) {
    Fail(fmt::format("bad pattern {:?}: {}", pattern, e.what()));
  }
}

// BuildKit's processName: a run of digits, one special parameter, or a run
// of letters, digits and '_'. Empty when none of these follows.
std::string Expansion::ReadName() {
  const size_t start = pos_;
  if (!AtEnd() && IsDigit(source_[pos_])) {
    while (!AtEnd() && IsDigit(source_[pos_])) ++pos_;
  } else if (!AtEnd() && IsSpecialParam(source_[pos_])) {
    ++pos_;
  } else {
    while (!AtEnd() && IsNameRune(DecodeRune(source_, pos_).value)) TakeRune();
  }
  return std::string(source_.substr(start, pos_ - start));
}

std::optional<std::string> Expansion::Lookup(const std::string& name) {
  if (name.empty()) return std::nullopt;  // ${/a/b}, ${+x}: nothing to look up
  if (used_ != nullptr) used_->insert(name);
  return lookup_(name);
}

}  // namespace

std::string WordExpander::ExpandWord(std::string_view word, const VarLookup& lookup,
                                     std::set<std::string>* used) const {
  Output out(/*split=*/false);
  Expansion(word, escape_, lookup, used).ExpandAll(out);
  return out.TakeString();
}

std::vector<std::string> WordExpander::ExpandWords(std::string_view text, const VarLookup& lookup,
                                                   std::set<std::string>* used) const {
  Output out(/*split=*/true);
  Expansion(text, escape_, lookup, used).ExpandAll(out);
  return out.TakeWords();
}

}  // namespace imgbuild::parser
