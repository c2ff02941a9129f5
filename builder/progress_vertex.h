// The state both progress renderers keep per vertex: title, timing, outcome
// and output cut into lines (held back until their newline arrives), plus the
// BuildKit-style summary of failed vertices printed when the build ends.
#ifndef IMGBUILD_BUILDER_PROGRESS_VERTEX_H_
#define IMGBUILD_BUILDER_PROGRESS_VERTEX_H_

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "builder/progress.h"

namespace imgbuild::builder {

using ProgressTime = std::chrono::steady_clock::time_point;
/// Where renderers get the time; tests inject a scripted clock.
using ProgressClock = std::function<ProgressTime()>;

/// One line of a vertex's output, without its newline.
struct OutputLine {
  std::chrono::nanoseconds offset{};  ///< From the vertex's start to the line's first byte.
  std::string text;
};

/// Seconds as BuildKit prefixes output lines: 3 decimals under 10 s, 2 under
/// 100 s, else 1 ("0.512", "12.34", "123.4").
std::string FormatLineOffset(std::chrono::nanoseconds offset);

/// Seconds with one decimal and a unit, as in "DONE 1.2s".
std::string FormatSeconds(std::chrono::nanoseconds duration);

/// One vertex of the progress view. Not thread-safe: sinks lock around it.
class ProgressVertex {
 public:
  /// Lines kept for the live view and the failure summary.
  static constexpr size_t kTailLines = 10;
  /// A line without a newline is cut here, so binary output cannot grow memory unbounded.
  static constexpr size_t kMaxLineBytes = 16 * 1024;

  /// `number` is the "#3" shown for it; `started` is when Started arrived.
  ProgressVertex(int number, std::string title, ProgressTime started);

  int number() const { return number_; }
  const std::string& title() const { return title_; }
  bool cached() const { return cached_; }
  bool finished() const { return finished_; }
  /// Why it failed; empty when it succeeded or is still running.
  const std::string& error() const { return error_; }
  /// The last kTailLines complete lines, oldest first.
  const std::deque<OutputLine>& tail() const { return tail_; }
  /// The lines still waiting for their newline (stdout's, then stderr's).
  std::vector<const OutputLine*> PartialLines() const;
  /// How long it took once finished, else how long it has run at `now`.
  std::chrono::nanoseconds Elapsed(ProgressTime now) const;

  /// Adds a chunk of `stream`'s output arriving at `now`. Each stream keeps
  /// its own unfinished line. Returns the lines the chunk completed, in order
  /// (a trailing "\r" of a "\r\n" ending is dropped); they also join tail().
  std::vector<OutputLine> AddOutput(OutputStream stream, std::string_view chunk, ProgressTime now);
  /// Ends the unfinished lines as they are (the vertex ended without a final
  /// newline) and returns them; they also join tail().
  std::vector<OutputLine> EndPartialLines();
  void MarkCached() { cached_ = true; }
  /// Records the outcome; an empty `error` means success.
  void MarkFinished(std::chrono::nanoseconds took, std::string_view error);

 private:
  OutputLine CompleteLine(std::optional<OutputLine>& partial);

  int number_;
  std::string title_;
  ProgressTime started_;
  bool cached_ = false;
  bool finished_ = false;
  std::chrono::nanoseconds took_{};
  std::string error_;
  std::array<std::optional<OutputLine>, 2> partial_;  // Indexed by OutputStream.
  std::deque<OutputLine> tail_;
};

/// The vertices of one build, by id and in the order they started.
class VertexTable {
 public:
  /// Adds vertex `id`, numbered from 1 in start order. Returns it, or null
  /// when `id` already started (the second Started is ignored).
  ProgressVertex* Start(ProgressId id, std::string_view title, ProgressTime now);
  /// The vertex `id`, or null when it never started.
  ProgressVertex* Find(ProgressId id);
  /// Every vertex, in start order (references stay valid as vertices are added).
  std::deque<ProgressVertex>& in_start_order() { return vertices_; }
  const std::deque<ProgressVertex>& in_start_order() const { return vertices_; }

 private:
  std::deque<ProgressVertex> vertices_;
  std::unordered_map<ProgressId, ProgressVertex*> by_id_;
};

/// BuildKit's summary of the failed vertices, for the end of the build:
/// for each, "------", " > <title>:", its last lines with their offsets
/// (made terminal-safe) and "------". Empty when nothing failed.
std::string FormatFailureSummary(const VertexTable& vertices);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_VERTEX_H_
