#include "builder/terminal.h"

#include <sys/ioctl.h>

#include <array>
#include <utility>

namespace imgbuild::builder {
namespace {

constexpr char kEscape = '\x1b';
constexpr char kBell = '\x07';

// One character of UTF-8 text: how many bytes it takes and how many columns
// it covers.
struct Glyph {
  size_t bytes = 1;
  size_t columns = 1;
};

// Code point ranges shown two columns wide (East Asian Wide and Fullwidth,
// and the emoji blocks): the common cases, not all of Unicode's table.
constexpr std::array<std::pair<char32_t, char32_t>, 12> kWideRanges = {{
    {0x1100, 0x115F},    // Hangul Jamo initials
    {0x2E80, 0x303E},    // CJK radicals, symbols and punctuation
    {0x3041, 0x33FF},    // Kana, Bopomofo, CJK compatibility
    {0x3400, 0x4DBF},    // CJK extension A
    {0x4E00, 0x9FFF},    // CJK unified ideographs
    {0xA000, 0xA4CF},    // Yi
    {0xAC00, 0xD7A3},    // Hangul syllables
    {0xF900, 0xFAFF},    // CJK compatibility ideographs
    {0xFE30, 0xFE4F},    // CJK compatibility forms
    {0xFF00, 0xFF60},    // Fullwidth forms
    {0x1F300, 0x1FAFF},  // Emoji and pictographs
    {0x20000, 0x3FFFD},  // CJK extensions B and later
}};

constexpr std::array<std::pair<char32_t, char32_t>, 4> kZeroWidthRanges = {{
    {0x0300, 0x036F},  // combining diacritical marks
    {0x200B, 0x200F},  // zero-width space, joiners, direction marks
    {0x20D0, 0x20FF},  // combining marks for symbols
    {0xFE00, 0xFE0F},  // variation selectors
}};

template <size_t N>
bool InRanges(char32_t code_point, const std::array<std::pair<char32_t, char32_t>, N>& ranges) {
  for (const auto& [first, last] : ranges) {
    if (code_point >= first && code_point <= last) return true;
  }
  return false;
}

// Decodes the character at the start of non-empty `text`. Invalid or cut
// sequences count as one single-column byte so that nothing is lost.
Glyph NextGlyph(std::string_view text) {
  auto lead = static_cast<unsigned char>(text[0]);
  size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length <= 1 || length > text.size()) return {};
  char32_t code_point = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    auto next = static_cast<unsigned char>(text[i]);
    if ((next & 0xC0) != 0x80) return {};
    code_point = (code_point << 6) | (next & 0x3F);
  }
  size_t columns = InRanges(code_point, kWideRanges)        ? 2
                   : InRanges(code_point, kZeroWidthRanges) ? 0
                                                            : 1;
  return {length, columns};
}

// Length of the escape sequence at the start of `text` (which starts with
// ESC): CSI ends at a final byte 0x40-0x7E, OSC at BEL or ESC '\', anything
// else is ESC and one byte.
size_t EscapeLength(std::string_view text) {
  if (text.size() < 2) return text.size();
  if (text[1] == '[') {
    size_t i = 2;
    while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7E)) ++i;
    return std::min(i + 1, text.size());
  }
  if (text[1] == ']') {
    for (size_t i = 2; i < text.size(); ++i) {
      if (text[i] == kBell) return i + 1;
      if (text[i] == kEscape && i + 1 < text.size() && text[i + 1] == '\\') return i + 2;
    }
    return text.size();
  }
  return 2;
}

// `segment` (no carriage returns) without escape sequences and control characters.
std::string VisibleText(std::string_view segment) {
  std::string visible;
  while (!segment.empty()) {
    char c = segment.front();
    size_t skip = 1;
    if (c == kEscape) {
      skip = EscapeLength(segment);
    } else if (c == '\t') {
      visible += ' ';
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) {
      visible += c;
    }
    segment.remove_prefix(skip);
  }
  return visible;
}

}  // namespace

TerminalSize QueryTerminalSize(int fd) noexcept {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) return {};
  return {size.ws_col, size.ws_row};
}

std::string TerminalText(std::string_view line) {
  while (true) {
    size_t carriage_return = line.rfind('\r');
    std::string_view segment =
        carriage_return == std::string_view::npos ? line : line.substr(carriage_return + 1);
    std::string visible = VisibleText(segment);
    if (!visible.empty() || carriage_return == std::string_view::npos) return visible;
    line = line.substr(0, carriage_return);
  }
}

size_t TerminalWidth(std::string_view text) {
  size_t columns = 0;
  while (!text.empty()) {
    Glyph glyph = NextGlyph(text);
    columns += glyph.columns;
    text.remove_prefix(glyph.bytes);
  }
  return columns;
}

std::string_view FitColumns(std::string_view text, size_t columns) {
  size_t used = 0, bytes = 0;
  while (bytes < text.size()) {
    Glyph glyph = NextGlyph(text.substr(bytes));
    if (used + glyph.columns > columns) break;
    used += glyph.columns;
    bytes += glyph.bytes;
  }
  return text.substr(0, bytes);
}

}  // namespace imgbuild::builder
