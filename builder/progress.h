// What a build reports while it runs, and the two ways of showing it:
// `plain` (one line per event, for CI logs; BuildKit's rawjson-free plain
// format: "#3 [build 2/4] RUN make", "#3 0.512 compiling...", "#3 DONE 1.2s",
// "#3 CACHED") and `tty` (a live view of the running steps with their times
// and last lines of output, redrawn in place).
//
// The executor talks to a ProgressSink only; how events look is the sink's
// business, so tests can record events and new front ends (rawjson for
// tools) add a sink without touching the executor.
#ifndef IMGBUILD_BUILDER_PROGRESS_H_
#define IMGBUILD_BUILDER_PROGRESS_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "builder/sandbox.h"

namespace imgbuild::builder {

/// Identifies one vertex of the progress view (a step, a base image
/// resolution, an export); chosen by the executor, unique within a build.
using ProgressId = int;

/// Receives build events. Every method may be called from any thread,
/// concurrently (stages run in parallel); implementations serialise.
/// Methods never throw: a broken terminal must not fail a build.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;

  /// A vertex starts. `title` is what BuildKit shows, e.g.
  /// "[build 2/4] RUN make" or "exporting to oci archive".
  virtual void Started(ProgressId id, std::string_view title) = 0;
  /// Output of a started vertex, in arbitrary chunks (lines may be split).
  virtual void Output(ProgressId id, OutputStream stream, std::string_view chunk) = 0;
  /// A started vertex was answered from the cache; Finished still follows.
  virtual void Cached(ProgressId id) = 0;
  /// A started vertex ended after `took`; `error` is empty on success,
  /// else one line saying why (the full error is reported by the caller).
  virtual void Finished(ProgressId id, std::chrono::nanoseconds took,
                        std::string_view error = {}) = 0;
  /// A message that belongs to no vertex (warnings, "writing image sha256:...").
  virtual void Message(std::string_view text) = 0;
  /// The build is over: flush, and leave the terminal with the final state
  /// drawn. No event follows.
  virtual void Close() = 0;
};

enum class ProgressMode {
  kAuto,   ///< tty when the output is a terminal (and TERM is not "dumb"), else plain.
  kTty,
  kPlain,
};

/// Parses "auto", "tty" or "plain". Throws Error naming the value otherwise.
ProgressMode ParseProgressMode(std::string_view text);

/// A sink writing to `fd` (normally stderr) in `mode`. The fd must outlive it.
std::unique_ptr<ProgressSink> MakeProgressSink(ProgressMode mode, int fd);

/// A sink that drops everything (library use, tests).
std::unique_ptr<ProgressSink> MakeSilentProgressSink();

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_PROGRESS_H_
