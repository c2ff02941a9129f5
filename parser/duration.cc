// Follows Go's time.ParseDuration step for step, overflow checks included,
// so "1.0000000001s" and "9223372036854775807ns" land where Go puts them.
#include "parser/duration.h"

#include <array>
#include <utility>

#include "util/error.h"

namespace imgbuild::parser {
namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;  // |INT64_MIN|

constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek small letter mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

[[noreturn]] void Invalid(std::string_view text, std::string_view why) {
  Fail("invalid duration \"{}\": {} (write a number and a unit such as \"30s\", \"1m30s\" or "
       "\"250ms\"; units are ns, us, ms, s, m, h)",
       text, why);
}

// Consumes leading digits; false when the value overflows 2^63.
bool LeadingInt(std::string_view& s, uint64_t& value) {
  value = 0;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (value > (kMaxMagnitude - 1) / 10) return false;
    value = value * 10 + static_cast<uint64_t>(s[i] - '0');
    if (value > kMaxMagnitude) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Consumes the digits after '.'; digits beyond what fits are dropped, as Go does.
void LeadingFraction(std::string_view& s, uint64_t& value, double& scale) {
  value = 0;
  scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (value > (kMaxMagnitude - 1) / 10) {
      overflow = true;
      continue;
    }
    uint64_t next = value * 10 + static_cast<uint64_t>(s[i] - '0');
    if (next > kMaxMagnitude) {
      overflow = true;
      continue;
    }
    value = next;
    scale *= 10;
  }
  s.remove_prefix(i);
}

// One "<number><unit>" element; returns its magnitude in nanoseconds.
uint64_t ParseElement(std::string_view text, std::string_view& s) {
  if (!(s[0] == '.' || IsDigit(s[0]))) Invalid(text, "expected a number");
  size_t before = s.size();
  uint64_t whole = 0;
  if (!LeadingInt(s, whole)) Invalid(text, "too large");
  bool has_whole = before != s.size();
  uint64_t fraction = 0;
  double scale = 1;
  bool has_fraction = false;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    size_t after_dot = s.size();
    LeadingFraction(s, fraction, scale);
    has_fraction = after_dot != s.size();
  }
  if (!has_whole && !has_fraction) Invalid(text, "expected a number");
  size_t unit_end = 0;
  while (unit_end < s.size() && s[unit_end] != '.' && !IsDigit(s[unit_end])) ++unit_end;
  if (unit_end == 0) Invalid(text, "missing unit");
  std::string_view unit_name = s.substr(0, unit_end);
  s.remove_prefix(unit_end);
  uint64_t unit = 0;
  for (const auto& [name, nanos] : kUnits) {
    if (name == unit_name) unit = nanos;
  }
  if (unit == 0) Invalid(text, fmt::format("unknown unit \"{}\"", unit_name));
  if (whole > kMaxMagnitude / unit) Invalid(text, "too large");
  whole *= unit;
  if (fraction > 0) {
    whole += static_cast<uint64_t>(static_cast<double>(fraction) *
                                   (static_cast<double>(unit) / scale));
    if (whole > kMaxMagnitude) Invalid(text, "too large");
  }
  return whole;
}

}  // namespace

int64_t ParseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) Invalid(text, "empty");
  uint64_t total = 0;
  while (!s.empty()) {
    total += ParseElement(text, s);
    if (total > kMaxMagnitude) Invalid(text, "too large");
  }
  if (negative) return static_cast<int64_t>(~total + 1);  // -2^63 is representable
  if (total > kMaxMagnitude - 1) Invalid(text, "too large");
  return static_cast<int64_t>(total);
}

}  // namespace imgbuild::parser
