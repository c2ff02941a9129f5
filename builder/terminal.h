// What a live view needs to know about a terminal: its size, and how much of
// a line of program output it can show without the cursor going astray
// (escape sequences, carriage returns and wide characters all move it).
#ifndef IMGBUILD_BUILDER_TERMINAL_H_
#define IMGBUILD_BUILDER_TERMINAL_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace imgbuild::builder {

/// A terminal's size in character cells.
struct TerminalSize {
  int columns = 80;
  int rows = 24;
  bool operator==(const TerminalSize&) const = default;
};

/// The size of the terminal `fd` refers to (TIOCGWINSZ). Returns the
/// default 80x24 when `fd` is not a terminal or reports a zero size. Never throws.
TerminalSize QueryTerminalSize(int fd) noexcept;

/// What a terminal would show of one line of program output, made safe to
/// place anywhere on screen: the last part after a carriage return that shows
/// something (progress bars redraw themselves with "\r"), without escape
/// sequences (colours, cursor movement) or other control characters; tabs
/// become spaces. Returns "" when nothing visible is left.
std::string TerminalText(std::string_view line);

/// The number of columns UTF-8 `text` takes: 2 for East Asian wide characters
/// and emoji, 0 for combining marks, 1 for everything else (invalid bytes too).
size_t TerminalWidth(std::string_view text);

/// The longest prefix of UTF-8 `text` that fits in `columns`, never cut
/// inside a character.
std::string_view FitColumns(std::string_view text, size_t columns);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_TERMINAL_H_
