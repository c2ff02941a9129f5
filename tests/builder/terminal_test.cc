#include "builder/terminal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "util/fd.h"

namespace imgbuild::builder {
namespace {

TEST(TerminalTextTest, DropsEscapeSequencesAndControlCharacters) {
  EXPECT_EQ(TerminalText("\x1b[1;31merror\x1b[0m: missing ;"), "error: missing ;");
  EXPECT_EQ(TerminalText("\x1b]0;window title\x07visible"), "visible");
  EXPECT_EQ(TerminalText("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
  EXPECT_EQ(TerminalText("a\tb\x07\x08\x7f"
                         "c"),
            "a bc");
  EXPECT_EQ(TerminalText("\x1b[2K"), "");
  EXPECT_EQ(TerminalText("cut escape \x1b["), "cut escape ");
}

TEST(TerminalTextTest, KeepsWhatTheLastCarriageReturnLeftVisible) {
  EXPECT_EQ(TerminalText(" 10%\r 55%\r100%"), "100%");
  // A progress bar ending in "\r" (or a clear-line) shows its last state.
  EXPECT_EQ(TerminalText(" 10%\r 55%\r"), " 55%");
  EXPECT_EQ(TerminalText("done\r\x1b[K"), "done");
  EXPECT_EQ(TerminalText("\r\r"), "");
}

TEST(TerminalWidthTest, CountsColumnsNotBytes) {
  EXPECT_EQ(TerminalWidth("make"), 4u);
  EXPECT_EQ(TerminalWidth("h\xc3\xa9llo"), 5u);              // é: two bytes, one column.
  EXPECT_EQ(TerminalWidth("\xe6\x9e\x84\xe5\xbb\xba"), 4u);  // 构建: wide.
  EXPECT_EQ(TerminalWidth("\xf0\x9f\x9a\x80"), 2u);          // rocket emoji.
  EXPECT_EQ(TerminalWidth("e\xcc\x81"), 1u);                 // e + combining acute.
  EXPECT_EQ(TerminalWidth("\xff\xfe"
                          "a"),
            3u);                             // invalid bytes: one each.
  EXPECT_EQ(TerminalWidth("\xe6\x9e"), 2u);  // cut sequence.
}

TEST(FitColumnsTest, CutsBetweenCharacters) {
  EXPECT_EQ(FitColumns("RUN make", 3), "RUN");
  EXPECT_EQ(FitColumns("RUN", 10), "RUN");
  EXPECT_EQ(FitColumns("h\xc3\xa9llo", 2), "h\xc3\xa9");
  // The second wide character would need columns 3-4: it stays out whole.
  EXPECT_EQ(FitColumns("\xe6\x9e\x84\xe5\xbb\xba"
                       "ab",
                       3),
            "\xe6\x9e\x84");
  EXPECT_EQ(FitColumns("abc", 0), "");
}

TEST(QueryTerminalSizeTest, DefaultsWhenNotATerminal) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  EXPECT_EQ(QueryTerminalSize(write_end.get()), (TerminalSize{80, 24}));
  EXPECT_EQ(QueryTerminalSize(-1), (TerminalSize{80, 24}));
}

}  // namespace
}  // namespace imgbuild::builder
