// The plain progress format, for CI logs: one line per event, written as it
// happens, in BuildKit's layout:
//
//   #2 [build 2/4] RUN make
//   #2 0.512 compiling...
//   #2 DONE 1.2s
//
// Vertices are numbered in the order they start. Output lines carry the
// seconds since their vertex started; a line is written once its newline
// arrives (or its vertex ends), so interleaved vertices never mix within a line.
#ifndef IMGBUILD_BUILDER_PROGRESS_PLAIN_H_
#define IMGBUILD_BUILDER_PROGRESS_PLAIN_H_

#include <mutex>

#include "builder/progress.h"
#include "builder/progress_vertex.h"
#include "builder/progress_writer.h"

namespace imgbuild::builder {

/// A ProgressSink writing the plain format to a descriptor. Events for a
/// vertex that never started, and every event after Close, are dropped.
class PlainProgressSink final : public ProgressSink {
 public:
  /// Writes to `fd`, which must outlive the sink; `clock` times output lines.
  explicit PlainProgressSink(int fd, ProgressClock clock = std::chrono::steady_clock::now);

  /// "#N <title>", after a blank line unless it is the first vertex.
  void Started(ProgressId id, std::string_view title) override;
  /// "#N <seconds> <line>" for every line the chunk completes.
  void Output(ProgressId id, OutputStream stream, std::string_view chunk) override;
  /// Remembered; "#N CACHED" replaces "DONE" when the vertex finishes.
  void Cached(ProgressId id) override;
  /// The vertex's unfinished lines, then "#N DONE 1.2s", "#N CACHED" or "#N ERROR: <error>".
  void Finished(ProgressId id, std::chrono::nanoseconds took, std::string_view error = {}) override;
  /// `text` as it is, with a newline added when it has none.
  void Message(std::string_view text) override;
  /// Writes the unfinished lines of vertices still running, then the summary
  /// of failed vertices (FormatFailureSummary). Idempotent.
  void Close() override;

 private:
  void WriteLines(const ProgressVertex& vertex, const std::vector<OutputLine>& lines);

  std::mutex mutex_;
  ProgressWriter out_;
  ProgressClock clock_;
  VertexTable vertices_;
  bool closed_ = false;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_PLAIN_H_
