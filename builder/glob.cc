#include "builder/glob.h"

#include "util/error.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

// One UTF-8 character of `s` (non-empty); invalid bytes decode as
// U+FFFD of length 1, as Go's utf8.DecodeRuneInString does.
char32_t DecodeRune(std::string_view s, size_t* length) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char first = byte(0);
  *length = 1;
  if (first < 0x80) return first;
  size_t need = first >= 0xF0 && first < 0xF8 ? 4 : first >= 0xE0 ? 3 : first >= 0xC2 ? 2 : 0;
  if (need == 0 || first >= 0xF8 || s.size() < need) return kRuneError;
  char32_t rune = first & (0x7F >> need);
  for (size_t i = 1; i < need; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return kRuneError;
    rune = (rune << 6) | (byte(i) & 0x3F);
  }
  static constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (rune < kMinimum[need] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return kRuneError;
  }
  *length = need;
  return rune;
}

// Go's getEsc: one possibly escaped character of a class range.
bool ClassChar(std::string_view& chunk, char32_t* rune) {
  if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return false;
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) return false;
  }
  size_t length = 0;
  *rune = DecodeRune(chunk, &length);
  if (*rune == kRuneError && length == 1) return false;
  chunk.remove_prefix(length);
  return !chunk.empty();  // a class needs its closing ']'
}

// Parses the class starting after '[' and says whether `rune` is in it.
// Returns the bytes consumed (through ']'), or 0 for a malformed class.
size_t MatchClass(std::string_view chunk, char32_t rune, bool* in_class) {
  size_t start = chunk.size();
  bool negated = !chunk.empty() && chunk[0] == '^';
  if (negated) chunk.remove_prefix(1);
  bool matched = false;
  for (int ranges = 0;; ++ranges) {
    if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
      chunk.remove_prefix(1);
      break;
    }
    char32_t low = 0;
    if (!ClassChar(chunk, &low)) return 0;
    char32_t high = low;
    if (chunk[0] == '-') {
      chunk.remove_prefix(1);
      if (!ClassChar(chunk, &high)) return 0;
    }
    if (low <= rune && rune <= high) matched = true;
  }
  *in_class = matched != negated;
  return start - chunk.size();
}

// Go's scanChunk: leading stars, then the text up to the next star outside
// a class.
void ScanChunk(std::string_view& pattern, bool* star, std::string_view* chunk) {
  *star = false;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    *star = true;
  }
  bool in_range = false;
  size_t i = 0;
  for (; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i;
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  *chunk = pattern.substr(0, i);
  pattern.remove_prefix(i);
}

enum class ChunkResult { kMatch, kNoMatch, kBadPattern };

// Go's matchChunk: matches `chunk` (no stars) at the start of `s`, leaving
// the rest in `s`. Keeps parsing after a mismatch to report bad syntax.
ChunkResult MatchChunk(std::string_view chunk, std::string_view& s) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    char32_t rune = 0;
    size_t length = 0;
    switch (chunk[0]) {
      case '[': {
        if (!failed) {
          rune = DecodeRune(s, &length);
          s.remove_prefix(length);
        }
        bool in_class = false;
        size_t used = MatchClass(chunk.substr(1), rune, &in_class);
        if (used == 0) return ChunkResult::kBadPattern;
        chunk.remove_prefix(1 + used);
        if (!in_class) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] == '/') failed = true;
          DecodeRune(s, &length);
          s.remove_prefix(length);
        }
        chunk.remove_prefix(1);
        break;
      case '\\':
        chunk.remove_prefix(1);
        if (chunk.empty()) return ChunkResult::kBadPattern;
        [[fallthrough]];
      default:
        if (!failed) {
          if (chunk[0] != s[0]) failed = true;
          s.remove_prefix(1);
        }
        chunk.remove_prefix(1);
    }
  }
  return failed ? ChunkResult::kNoMatch : ChunkResult::kMatch;
}

// After a mismatch Go still checks that the rest of the pattern parses.
std::optional<bool> NoMatchIfValid(std::string_view pattern) {
  while (!pattern.empty()) {
    bool star = false;
    std::string_view chunk;
    ScanChunk(pattern, &star, &chunk);
    std::string_view empty;
    if (MatchChunk(chunk, empty) == ChunkResult::kBadPattern) return std::nullopt;
  }
  return false;
}

// Tries `chunk` after each prefix of `name` that holds no '/' (the star's
// share). Returns the bad-pattern result, or whether the star matched.
std::optional<bool> MatchAfterStar(std::string_view chunk, bool last_chunk,
                                   std::string_view& name) {
  for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
    std::string_view rest = name.substr(i + 1);
    ChunkResult result = MatchChunk(chunk, rest);
    if (result == ChunkResult::kBadPattern) return std::nullopt;
    if (result == ChunkResult::kMatch) {
      if (last_chunk && !rest.empty()) continue;
      name = rest;
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<bool> GlobMatch(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    bool star = false;
    std::string_view chunk;
    ScanChunk(pattern, &star, &chunk);
    if (star && chunk.empty()) return name.find('/') == std::string_view::npos;
    std::string_view rest = name;
    ChunkResult result = MatchChunk(chunk, rest);
    if (result == ChunkResult::kMatch && (rest.empty() || !pattern.empty())) {
      name = rest;
      continue;
    }
    if (result == ChunkResult::kBadPattern) return std::nullopt;
    if (star) {
      std::optional<bool> matched = MatchAfterStar(chunk, pattern.empty(), name);
      if (!matched) return std::nullopt;
      if (*matched) continue;
    }
    return NoMatchIfValid(pattern);
  }
  return name.empty();
}

bool HasWildcards(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '*' || text[i] == '?' || text[i] == '[') {
      return true;
    }
  }
  return false;
}

std::string CleanPath(std::string_view path) {
  bool rooted = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  size_t leading_dots = 0;  // ".." kept at the start of a relative path
  for (std::string& part : Split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(std::move(part));
    } else if (parts.size() > leading_dots) {
      parts.pop_back();
    } else if (!rooted) {
      parts.push_back(std::move(part));
      ++leading_dots;
    }
  }
  std::string clean = rooted ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) clean += '/';
    clean += parts[i];
  }
  return clean.empty() ? "." : clean;
}

PathPattern::PathPattern(std::string cleaned) : text_(std::move(cleaned)) {
  if (!GlobMatch(text_, ".")) Fail("syntax error in pattern \"{}\"", text_);
  std::string_view rest = text_;
  bool first = true;
  auto literal = [&](std::string_view bytes) {
    if (tokens_.empty() || tokens_.back().type != Token::Type::kLiteral) {
      tokens_.push_back({Token::Type::kLiteral, ""});
    }
    tokens_.back().text += bytes;
  };
  while (!rest.empty()) {
    char c = rest[0];
    if (c == '*' && rest.size() > 1 && rest[1] == '*') {
      rest.remove_prefix(2);
      if (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
      if (rest.empty()) {
        kind_ = kind_ == Kind::kExact ? Kind::kPrefix : Kind::kRegexp;
        tokens_.push_back({Token::Type::kAnything, ""});
      } else {
        tokens_.push_back({Token::Type::kAnyDirs, ""});
        kind_ = Kind::kRegexp;
      }
      if (first) {
        kind_ = Kind::kSuffix;
        affix_.clear();
      }
    } else if (c == '*' || c == '?') {
      tokens_.push_back({c == '*' ? Token::Type::kAnyRun : Token::Type::kAnyOne, ""});
      kind_ = Kind::kRegexp;
      rest.remove_prefix(1);
    } else if (c == '[') {
      bool unused = false;
      size_t used = MatchClass(rest.substr(1), 0, &unused);
      tokens_.push_back({Token::Type::kClass, std::string(rest.substr(1, used))});
      kind_ = Kind::kRegexp;
      rest.remove_prefix(1 + used);
    } else if (c == '\\' && rest.size() > 1) {
      size_t length = 0;
      DecodeRune(rest.substr(1), &length);
      literal(rest.substr(1, length));
      kind_ = Kind::kRegexp;
      rest.remove_prefix(1 + length);
    } else {
      literal(rest.substr(0, 1));
      rest.remove_prefix(1);
    }
    first = false;
  }
  if (kind_ == Kind::kPrefix) affix_ = text_.substr(0, text_.size() - 2);
  if (kind_ == Kind::kSuffix) affix_ = text_.substr(2);
}

bool PathPattern::Matches(std::string_view path) const {
  switch (kind_) {
    case Kind::kExact:
      return path == text_;
    case Kind::kPrefix:
      return path.starts_with(affix_);
    case Kind::kSuffix:
      // "**/foo" also matches "foo" itself.
      return path.ends_with(affix_) ||
             (!affix_.empty() && affix_[0] == '/' && path == std::string_view(affix_).substr(1));
    case Kind::kRegexp:
      return MatchTokens(0, path);
  }
  return false;
}

// Backtracking over the tokens; patterns are short and written by the user.
bool PathPattern::MatchTokens(size_t token, std::string_view path) const {
  if (token == tokens_.size()) return path.empty();
  const Token& current = tokens_[token];
  size_t length = 0;
  switch (current.type) {
    case Token::Type::kLiteral:
      return path.starts_with(current.text) &&
             MatchTokens(token + 1, path.substr(current.text.size()));
    case Token::Type::kAnyRun:
      for (size_t i = 0;; ++i) {
        if (MatchTokens(token + 1, path.substr(i))) return true;
        if (i == path.size() || path[i] == '/') return false;
      }
    case Token::Type::kAnyOne:
      if (path.empty() || path[0] == '/') return false;
      DecodeRune(path, &length);
      return MatchTokens(token + 1, path.substr(length));
    case Token::Type::kClass: {
      if (path.empty()) return false;
      char32_t rune = DecodeRune(path, &length);
      bool in_class = false;
      MatchClass(current.text, rune, &in_class);
      return in_class && MatchTokens(token + 1, path.substr(length));
    }
    case Token::Type::kAnyDirs:
      if (MatchTokens(token + 1, path)) return true;
      for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '/' && MatchTokens(token + 1, path.substr(i + 1))) return true;
      }
      return false;
    case Token::Type::kAnything:
      return true;  // only ever the last token
  }
  return false;
}

}  // namespace imgbuild::builder
