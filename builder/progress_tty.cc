#include "builder/progress_tty.h"

#include <fmt/format.h>

#include "builder/progress_tty_frame.h"

namespace imgbuild::builder {
namespace {

constexpr std::string_view kHideCursor = "\x1b[?25l";
constexpr std::string_view kShowCursor = "\x1b[?25h";
constexpr std::string_view kClearLineRest = "\x1b[K";
constexpr std::string_view kClearScreenRest = "\x1b[J";

}  // namespace

TtyProgressSink::TtyProgressSink(int fd, TtyProgressOptions options)
    : clock_(options.clock ? std::move(options.clock) : std::chrono::steady_clock::now),
      size_(options.size ? std::move(options.size) : [fd] { return QueryTerminalSize(fd); }),
      color_(options.color),
      refresh_(options.refresh),
      build_started_(clock_()),
      out_(fd) {
  if (refresh_.count() > 0) render_thread_ = std::thread(&TtyProgressSink::RenderLoop, this);
}

TtyProgressSink::~TtyProgressSink() {
  Close();
}

void TtyProgressSink::Started(ProgressId id, std::string_view title) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    if (!closed_) vertices_.Start(id, title, clock_());
  });
}

void TtyProgressSink::Output(ProgressId id, OutputStream stream, std::string_view chunk) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (!closed_ && vertex != nullptr) vertex->AddOutput(stream, chunk, clock_());
  });
}

void TtyProgressSink::Cached(ProgressId id) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (!closed_ && vertex != nullptr) vertex->MarkCached();
  });
}

void TtyProgressSink::Finished(ProgressId id, std::chrono::nanoseconds took,
                               std::string_view error) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    ProgressVertex* vertex = vertices_.Find(id);
    if (closed_ || vertex == nullptr || vertex->finished()) return;
    vertex->EndPartialLines();
    vertex->MarkFinished(took, error);
  });
}

void TtyProgressSink::Message(std::string_view text) {
  DropErrors([&] {
    std::lock_guard lock(mutex_);
    if (!closed_) messages_.emplace_back(text);
  });
}

void TtyProgressSink::Close() {
  DropErrors([&] {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
    }
    wake_.notify_all();
    if (render_thread_.joinable()) render_thread_.join();
    Draw(true);
  });
}

void TtyProgressSink::Render() {
  DropErrors([&] { Draw(false); });
}

void TtyProgressSink::RenderLoop() {
  DropErrors([&] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, refresh_, [this] { return closed_; })) {
      lock.unlock();
      Render();
      lock.lock();
    }
  });
}

void TtyProgressSink::Draw(bool final) {
  std::lock_guard draw_lock(draw_mutex_);
  std::string frame;
  {
    std::lock_guard lock(mutex_);
    if (closed_ && !final) return;
    frame = ComposeFrame(final);
    if (final) frame += FormatFailureSummary(vertices_);
  }
  out_.Write(frame);
}

std::string TtyProgressSink::ComposeFrame(bool final) {
  ProgressTime now = clock_();
  std::vector<std::string> lines = LayoutTtyFrame(
      vertices_, now, now - build_started_, {.size = size_(), .final = final, .color = color_});
  std::string frame(kHideCursor);
  if (drawn_lines_ > 0) frame += fmt::format("\x1b[{}A", drawn_lines_);
  frame += '\r';
  if (!messages_.empty()) {
    // Messages stay above the view; clearing first keeps a long one that
    // wraps from mixing with the old frame's lines.
    frame += kClearScreenRest;
    for (const std::string& message : messages_) {
      frame += message;
      if (!message.ends_with('\n')) frame += '\n';
    }
    messages_.clear();
  }
  for (const std::string& line : lines) {
    frame.append(line).append(kClearLineRest).append("\n");
  }
  frame.append(kClearScreenRest).append(kShowCursor);
  drawn_lines_ = lines.size();
  return frame;
}

}  // namespace imgbuild::builder
