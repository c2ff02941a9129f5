#include "builder/progress_plain.h"

#include <fmt/format.h>

namespace imgbuild::builder {
namespace {

std::string FormatOutcome(const ProgressVertex& vertex, std::chrono::nanoseconds took) {
  if (!vertex.error().empty()) {
    return fmt::format("#{} ERROR: {}\n", vertex.number(), vertex.error());
  }
  if (vertex.cached()) return fmt::format("#{} CACHED\n", vertex.number());
  return fmt::format("#{} DONE {}\n", vertex.number(), FormatSeconds(took));
}

}  // namespace

PlainProgressSink::PlainProgressSink(int fd, ProgressClock clock)
    : out_(fd), clock_(std::move(clock)) {}

void PlainProgressSink::Started(ProgressId id, std::string_view title) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    ProgressVertex* vertex = vertices_.Start(id, title, clock_());
    if (vertex == nullptr) return;
    out_.Write(
        fmt::format("{}#{} {}\n", vertex->number() > 1 ? "\n" : "", vertex->number(), title));
  });
}

void PlainProgressSink::Output(ProgressId id, OutputStream stream, std::string_view chunk) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (closed_ || vertex == nullptr) return;
    WriteLines(*vertex, vertex->AddOutput(stream, chunk, clock_()));
  });
}

void PlainProgressSink::Cached(ProgressId id) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (closed_ || vertex == nullptr) return;
    vertex->MarkCached();
  });
}

void PlainProgressSink::Finished(ProgressId id, std::chrono::nanoseconds took,
                                 std::string_view error) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (closed_ || vertex == nullptr || vertex->finished()) return;
    WriteLines(*vertex, vertex->EndPartialLines());
    vertex->MarkFinished(took, error);
    out_.Write(FormatOutcome(*vertex, took));
  });
}

void PlainProgressSink::Message(std::string_view text) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    out_.Write(text.ends_with('\n') ? std::string(text) : fmt::format("{}\n", text));
  });
}

void PlainProgressSink::Close() {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (ProgressVertex& vertex : vertices_.in_start_order()) {
      WriteLines(vertex, vertex.EndPartialLines());
    }
    out_.Write(FormatFailureSummary(vertices_));
  });
}

void PlainProgressSink::WriteLines(const ProgressVertex& vertex,
                                   const std::vector<OutputLine>& lines) {
  for (const OutputLine& line : lines) {
    out_.Write(
        fmt::format("#{} {} {}\n", vertex.number(), FormatLineOffset(line.offset), line.text));
  }
}

}  // namespace imgbuild::builder
