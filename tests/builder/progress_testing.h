// Helpers for the progress tests: a clock moved by hand, a real file to
// write progress to, and a small terminal emulator that shows what a
// sequence of frames leaves on screen.
#ifndef IMGBUILD_TESTS_BUILDER_PROGRESS_TESTING_H_
#define IMGBUILD_TESTS_BUILDER_PROGRESS_TESTING_H_

#include <fcntl.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "builder/progress_vertex.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::builder::progress_testing {

/// A clock that moves only when told to.
class ManualClock {
 public:
  ProgressClock AsClock() {
    return [this] { return now_; };
  }
  void Advance(std::chrono::nanoseconds step) { now_ += step; }

 private:
  ProgressTime now_ = ProgressTime(std::chrono::hours(1));
};

/// A temporary file a sink writes to, read back whole.
class OutputFile {
 public:
  OutputFile() : fd_(OpenOrThrow(path(), O_WRONLY | O_CREAT | O_TRUNC)) {}
  int fd() const { return fd_.get(); }
  std::string path() const { return dir_.path() + "/progress"; }
  std::string Contents() const { return ReadFileToString(path(), 64 << 20); }

 private:
  TempDir dir_{"progress-test-"};
  UniqueFd fd_;
};

/// What a terminal shows after receiving `bytes` on an unbounded screen:
/// printable bytes overwrite cells; "\n" starts the next row at column 0 (a
/// terminal's ONLCR); "\r" returns to column 0; CSI n A moves up, CSI K and
/// CSI J erase to the end of the line and of the screen; other escape
/// sequences (colours, cursor visibility) change nothing shown. Rows are
/// returned without trailing spaces, and empty rows at the end are dropped.
inline std::vector<std::string> ShowOnScreen(std::string_view bytes) {
  std::vector<std::string> rows(1);
  size_t row = 0, column = 0;
  auto erase_line = [&] {
    if (rows[row].size() > column) rows[row].resize(column);
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\n') {
      if (++row == rows.size()) rows.emplace_back();
      column = 0;
    } else if (c == '\r') {
      column = 0;
    } else if (c == '\x1b' && i + 1 < bytes.size() && bytes[i + 1] == '[') {
      size_t end = bytes.find_first_of("ABCDEFGHJKSTfhlmnsu", i + 2);
      std::string parameter(bytes.substr(i + 2, end - i - 2));
      char command = bytes[end];
      i = end;
      if (command == 'A') row -= std::min(row, static_cast<size_t>(std::stoul(parameter)));
      if (command == 'K') erase_line();
      if (command == 'J') {
        erase_line();
        rows.resize(row + 1);
      }
    } else {
      if (rows[row].size() <= column) rows[row].resize(column + 1, ' ');
      rows[row][column++] = c;
    }
  }
  for (std::string& text : rows) text.erase(text.find_last_not_of(' ') + 1);
  while (!rows.empty() && rows.back().empty()) rows.pop_back();
  return rows;
}

}  // namespace imgbuild::builder::progress_testing

#endif  // IMGBUILD_TESTS_BUILDER_PROGRESS_TESTING_H_
