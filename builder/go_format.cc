#include "builder/go_format.h"

#include <fmt/format.h>

namespace imgbuild::builder {
namespace {

// The length of the UTF-8 sequence starting at text[i], or 0 when it is
// not valid (Go then escapes the first byte).
size_t ValidUtf8Length(std::string_view text, size_t i) {
  unsigned char first = static_cast<unsigned char>(text[i]);
  size_t length = first >= 0xF0 && first <= 0xF4  ? 4
                  : first >= 0xE0                 ? 3
                  : first >= 0xC2 && first < 0xE0 ? 2
                                                  : 0;
  if (length == 0 || i + length > text.size()) return 0;
  uint32_t rune = first & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    unsigned char next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    rune = (rune << 6) | (next & 0x3F);
  }
  bool overlong = (length == 3 && rune < 0x800) || (length == 4 && rune < 0x10000);
  bool surrogate = rune >= 0xD800 && rune <= 0xDFFF;
  if (overlong || surrogate || rune > 0x10FFFF) return 0;
  return length;
}

// Go escapes the C1 control characters (U+0080..U+009F) as \u00XX.
bool IsC1Control(std::string_view text, size_t i) {
  return static_cast<unsigned char>(text[i]) == 0xC2 &&
         static_cast<unsigned char>(text[i + 1]) < 0xA0;
}

// Appends Go's fraction digits of v / 10^precision without trailing zeros
// and divides v by 10^precision.
std::string Fraction(uint64_t& v, int precision) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < precision; ++i) {
    char digit = static_cast<char>('0' + v % 10);
    print = print || digit != '0';
    if (print) digits.insert(digits.begin(), digit);
    v /= 10;
  }
  return print ? "." + digits : "";
}

}  // namespace

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t length = ValidUtf8Length(text, i);
      if (length == 0) {
        out += fmt::format("\\x{:02x}", c);
        ++i;
      } else if (length == 2 && IsC1Control(text, i)) {
        out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
        i += 2;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out + "\"";
}

std::string GoQuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? " " : "") + GoQuote(items[i]);
  return out + "]";
}

std::string GoList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? " " : "") + items[i];
  return out + "]";
}

std::string GoDuration(int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  std::string sign = nanoseconds < 0 ? "-" : "";
  uint64_t v =
      nanoseconds < 0 ? 0 - static_cast<uint64_t>(nanoseconds) : static_cast<uint64_t>(nanoseconds);
  constexpr uint64_t kMicrosecond = 1000, kMillisecond = 1000000, kSecond = 1000000000;
  if (v < kSecond) {
    if (v < kMicrosecond) return fmt::format("{}{}ns", sign, v);
    std::string unit = v < kMillisecond ? "\xC2\xB5s" : "ms";
    std::string fraction = Fraction(v, v < kMillisecond ? 3 : 6);
    return fmt::format("{}{}{}{}", sign, v, fraction, unit);
  }
  std::string fraction = Fraction(v, 9);
  std::string text = fmt::format("{}{}s", v % 60, fraction);
  v /= 60;
  if (v > 0) {
    text = fmt::format("{}m{}", v % 60, text);
    v /= 60;
    if (v > 0) text = fmt::format("{}h{}", v, text);
  }
  return sign + text;
}

}  // namespace imgbuild::builder
