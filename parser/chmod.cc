#include "parser/chmod.h"

#include <algorithm>

#include "util/error.h"

namespace imgbuild::parser {
namespace {

constexpr uint32_t kAllBits = 07777;

// The bits a `who` letter governs; the sticky bit goes with "other", as in
// GNU chmod.
uint32_t WhoMask(char who) {
  switch (who) {
    case 'u': return 04700;
    case 'g': return 02070;
    case 'o': return 01007;
    default: return kAllBits;  // 'a'
  }
}

// Walks a symbolic spec, applying it to `mode` when `mode` is non-null and
// only checking it otherwise. Returns false on a syntax error.
bool WalkSymbolic(std::string_view text, uint32_t* mode, bool is_directory) {
  size_t i = 0;
  while (true) {
    uint32_t who = 0;
    while (i < text.size() && std::string_view("ugoa").find(text[i]) != std::string_view::npos) {
      who |= WhoMask(text[i++]);
    }
    if (who == 0) who = kAllBits;
    if (i >= text.size() || std::string_view("+-=").find(text[i]) == std::string_view::npos) {
      return false;  // a clause needs at least one operator
    }
    while (i < text.size() && std::string_view("+-=").find(text[i]) != std::string_view::npos) {
      char op = text[i++];
      uint32_t current = mode != nullptr ? *mode : 0;
      uint32_t bits = 0;
      if (i < text.size() && std::string_view("ugo").find(text[i]) != std::string_view::npos) {
        int shift = text[i] == 'u' ? 6 : text[i] == 'g' ? 3 : 0;
        bits = ((current >> shift) & 07) * 0111;  // copy one class to all
        ++i;
      } else {
        for (; i < text.size() && std::string_view("rwxXst").find(text[i]) != std::string_view::npos; ++i) {
          switch (text[i]) {
            case 'r': bits |= 0444; break;
            case 'w': bits |= 0222; break;
            case 'x': bits |= 0111; break;
            case 'X':
              if (is_directory || (current & 0111) != 0) bits |= 0111;
              break;
            case 's': bits |= 06000; break;
            case 't': bits |= 01000; break;
          }
        }
      }
      if (mode == nullptr) continue;
      bits &= who;
      if (op == '+') *mode |= bits;
      else if (op == '-') *mode &= ~bits;
      else *mode = (*mode & ~who) | bits;
    }
    if (i == text.size()) return true;
    if (text[i] != ',') return false;
    ++i;
  }
}

std::optional<uint32_t> ParseOctal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    value = std::min<uint64_t>(value * 8 + static_cast<uint64_t>(c - '0'), 0xFFFFFFFF);
  }
  return static_cast<uint32_t>(value);
}

}  // namespace

ChmodSpec ChmodSpec::Parse(std::string_view text) {
  ChmodSpec spec;
  spec.text_ = std::string(text);
  if (std::optional<uint32_t> octal = ParseOctal(text)) {
    if (*octal > kAllBits) {
      Fail("invalid --chmod value \"{}\": an octal mode must be between 0 and 07777", text);
    }
    spec.octal_ = *octal;
    return spec;
  }
  if (text.empty() || !WalkSymbolic(text, nullptr, false)) {
    Fail("invalid --chmod value \"{}\": use an octal mode such as 755 or 0644, or symbolic "
         "clauses such as u=rwx,g=rx,o= or a+x",
         text);
  }
  return spec;
}

uint32_t ChmodSpec::Apply(uint32_t mode, bool is_directory) const {
  if (octal_) return *octal_;
  uint32_t bits = mode & kAllBits;
  WalkSymbolic(text_, &bits, is_directory);
  return bits;
}

}  // namespace imgbuild::parser
