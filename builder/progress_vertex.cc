#include "builder/progress_vertex.h"

#include <fmt/format.h>

#include "builder/terminal.h"

namespace imgbuild::builder {
namespace {

double Seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace

std::string FormatLineOffset(std::chrono::nanoseconds offset) {
  double seconds = Seconds(offset);
  int precision = seconds < 10 ? 3 : seconds < 100 ? 2 : 1;
  return fmt::format("{:.{}f}", seconds, precision);
}

std::string FormatSeconds(std::chrono::nanoseconds duration) {
  return fmt::format("{:.1f}s", Seconds(duration));
}

ProgressVertex::ProgressVertex(int number, std::string title, ProgressTime started)
    : number_(number), title_(std::move(title)), started_(started) {}

std::vector<const OutputLine*> ProgressVertex::PartialLines() const {
  std::vector<const OutputLine*> lines;
  for (const auto& partial : partial_) {
    if (partial) lines.push_back(&*partial);
  }
  return lines;
}

std::chrono::nanoseconds ProgressVertex::Elapsed(ProgressTime now) const {
  return finished_ ? took_ : now - started_;
}

std::vector<OutputLine> ProgressVertex::AddOutput(OutputStream stream, std::string_view chunk,
                                                  ProgressTime now) {
  std::optional<OutputLine>& partial = partial_[static_cast<size_t>(stream)];
  std::vector<OutputLine> completed;
  while (!chunk.empty()) {
    if (!partial) partial = OutputLine{now - started_, {}};
    size_t newline = chunk.find('\n');
    partial->text.append(chunk.substr(0, newline));
    if (newline == std::string_view::npos) {
      if (partial->text.size() >= kMaxLineBytes) completed.push_back(CompleteLine(partial));
      break;
    }
    completed.push_back(CompleteLine(partial));
    chunk.remove_prefix(newline + 1);
  }
  return completed;
}

std::vector<OutputLine> ProgressVertex::EndPartialLines() {
  std::vector<OutputLine> ended;
  for (auto& partial : partial_) {
    if (partial) ended.push_back(CompleteLine(partial));
  }
  return ended;
}

void ProgressVertex::MarkFinished(std::chrono::nanoseconds took, std::string_view error) {
  finished_ = true;
  took_ = took;
  error_ = error;
}

OutputLine ProgressVertex::CompleteLine(std::optional<OutputLine>& partial) {
  OutputLine line = std::move(*partial);
  partial.reset();
  if (line.text.ends_with('\r')) line.text.pop_back();
  if (tail_.size() == kTailLines) tail_.pop_front();
  tail_.push_back(line);
  return line;
}

ProgressVertex* VertexTable::Start(ProgressId id, std::string_view title, ProgressTime now) {
  if (by_id_.contains(id)) return nullptr;
  ProgressVertex& vertex =
      vertices_.emplace_back(static_cast<int>(vertices_.size()) + 1, std::string(title), now);
  by_id_.emplace(id, &vertex);
  return &vertex;
}

ProgressVertex* VertexTable::Find(ProgressId id) {
  auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : found->second;
}

std::string FormatFailureSummary(const VertexTable& vertices) {
  std::string summary;
  for (const ProgressVertex& vertex : vertices.in_start_order()) {
    if (vertex.error().empty()) continue;
    summary += fmt::format("------\n > {}:\n", TerminalText(vertex.title()));
    for (const OutputLine& line : vertex.tail()) {
      summary += fmt::format("{} {}\n", FormatLineOffset(line.offset), TerminalText(line.text));
    }
    summary += "------\n";
  }
  return summary;
}

}  // namespace imgbuild::builder
