// The layout of one frame of the live tty view, as BuildKit draws it:
//
//   [+] Building 4.1s (2/3)
//    => CACHED [build 1/3] FROM debian:12                          0.0s
//    => [build 2/3] RUN make                                       3.2s
//    => => # cc -c main.c
//
// Vertices appear in start order; running ones show their last lines of
// output. When the frame is taller than the terminal, the oldest finished
// vertices scroll off the top first, as in BuildKit.
#ifndef IMGBUILD_BUILDER_PROGRESS_TTY_FRAME_H_
#define IMGBUILD_BUILDER_PROGRESS_TTY_FRAME_H_

#include <chrono>
#include <string>
#include <vector>

#include "builder/progress_vertex.h"
#include "builder/terminal.h"

namespace imgbuild::builder {

struct TtyFrameOptions {
  TerminalSize size;
  /// The last frame: every vertex, no live output, "FINISHED" when all are done.
  bool final = false;
  /// ANSI colours: finished lines blue, failed ones red, output faint.
  bool color = false;
};

/// Lines of output a running vertex shows below its own line.
inline constexpr size_t kTtyOutputLines = 6;

/// The lines of one frame for `vertices` at `now`, `elapsed` since the build
/// began, without newlines or cursor movement. Every line's visible text fits
/// in size.columns - 1 columns (so the terminal never wraps it; 20 columns
/// at least, narrower terminals wrap) and, unless final, there are at most
/// size.rows - 1 lines (so the frame never scrolls the terminal and the cursor
/// can climb back to its top; the header at least).
std::vector<std::string> LayoutTtyFrame(const VertexTable& vertices, ProgressTime now,
                                        std::chrono::nanoseconds elapsed,
                                        const TtyFrameOptions& options);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_TTY_FRAME_H_
