// Go's time.ParseDuration, for HEALTHCHECK's --interval and friends: a
// recipe that Docker accepts must mean the same number of nanoseconds here.
#ifndef IMGBUILD_PARSER_DURATION_H_
#define IMGBUILD_PARSER_DURATION_H_

#include <cstdint>
#include <string_view>

namespace imgbuild::parser {

/// Parses a Go-style duration ("30s", "1m30s", "1.5h", "250ms", "-2us",
/// "0") into nanoseconds: an optional sign, then one or more decimal
/// numbers each followed by a unit (ns, us, µs, μs, ms, s, m, h). Fractions
/// are truncated to whole nanoseconds as Go does. Throws Error naming
/// `text` when it is empty, lacks a unit, uses an unknown unit, or does
/// not fit in an int64.
int64_t ParseDuration(std::string_view text);

}  // namespace imgbuild::parser

#endif  // IMGBUILD_PARSER_DURATION_H_
