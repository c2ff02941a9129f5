// The tty progress view: a frame (progress_tty_frame.h) redrawn in place
// about ten times a second by a render thread, climbing back over the previous
// frame with ANSI cursor-up and clearing what it leaves behind. Messages are
// printed above the view and stay. Close draws the final state, then the
// summary of failed vertices.
#ifndef IMGBUILD_BUILDER_PROGRESS_TTY_H_
#define IMGBUILD_BUILDER_PROGRESS_TTY_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "builder/progress.h"
#include "builder/progress_vertex.h"
#include "builder/progress_writer.h"
#include "builder/terminal.h"

namespace imgbuild::builder {

struct TtyProgressOptions {
  /// Times vertices and the header; steady_clock::now when empty.
  ProgressClock clock;
  /// The terminal's size, asked before every frame (it may be resized);
  /// QueryTerminalSize(fd) when empty.
  std::function<TerminalSize()> size;
  /// ANSI colours (the default sink turns them off when NO_COLOR is set).
  bool color = true;
  /// Time between frames of the render thread; zero starts no thread, and
  /// frames are drawn only by Render and Close (tests).
  std::chrono::milliseconds refresh{100};
};

/// A ProgressSink drawing the live view on a terminal. Events only update
/// state under a lock; all writing happens on the render thread (or in
/// Render and Close), so a slow terminal never stalls the build. Events for a
/// vertex that never started, and every event after Close, are dropped.
class TtyProgressSink final : public ProgressSink {
 public:
  /// Draws on `fd`, which must outlive the sink, and starts the render
  /// thread. Throws std::system_error when the thread cannot start.
  TtyProgressSink(int fd, TtyProgressOptions options);
  /// Closes the sink if the owner did not (stopping the thread).
  ~TtyProgressSink() override;

  void Started(ProgressId id, std::string_view title) override;
  void Output(ProgressId id, OutputStream stream, std::string_view chunk) override;
  void Cached(ProgressId id) override;
  void Finished(ProgressId id, std::chrono::nanoseconds took, std::string_view error = {}) override;
  /// Printed above the view with the next frame, as it is (a newline added when missing).
  void Message(std::string_view text) override;
  /// Stops the render thread, draws the final frame (every vertex, its final
  /// state) and the summary of failed vertices (FormatFailureSummary).
  /// Idempotent.
  void Close() override;

  /// Draws one frame now, as the render thread does; nothing after Close.
  void Render();

 private:
  void RenderLoop();
  // Draws a frame over the previous one; `final` also writes the failure summary.
  void Draw(bool final);
  // The bytes of the next frame; called with mutex_ held.
  std::string ComposeFrame(bool final);

  ProgressClock clock_;
  std::function<TerminalSize()> size_;
  bool color_;
  std::chrono::milliseconds refresh_;
  ProgressTime build_started_;

  std::mutex draw_mutex_;   // Orders whole frames; taken before mutex_.
  ProgressWriter out_;      // Guarded by draw_mutex_.
  size_t drawn_lines_ = 0;  // Height of the frame on screen; guarded by mutex_.

  std::mutex mutex_;  // Guards the build's state below.
  std::condition_variable wake_;
  VertexTable vertices_;
  std::vector<std::string> messages_;  // Not yet printed.
  bool closed_ = false;
  std::thread render_thread_;  // Last: starts once everything above exists.
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_TTY_H_
