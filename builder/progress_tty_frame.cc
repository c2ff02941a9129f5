#include "builder/progress_tty_frame.h"

#include <fmt/format.h>

#include <algorithm>

namespace imgbuild::builder {
namespace {

// Below this the layout would be useless; narrower terminals wrap lines.
constexpr int kMinColumns = 20;
constexpr std::string_view kVertexPrefix = " => ";
constexpr std::string_view kOutputPrefix = " => => # ";
constexpr std::string_view kBlue = "\x1b[34m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kFaint = "\x1b[2m";
constexpr std::string_view kReset = "\x1b[0m";

// What one vertex contributes to a frame.
struct Entry {
  const ProgressVertex* vertex;
  std::vector<std::string> output;  // Its last visible lines while it runs.
  bool shown = true;
};

std::string Paint(std::string line, std::string_view color, bool enabled) {
  if (!enabled) return line;
  return fmt::format("{}{}{}", color, line, kReset);
}

// `left`, cut to leave room for `right`, padded so that `right` ends at `columns`.
std::string Align(std::string_view left, std::string_view right, size_t columns) {
  size_t room = columns > right.size() ? columns - right.size() : 0;
  std::string_view fitted = FitColumns(left, room);
  return fmt::format("{}{}{}", fitted, std::string(room - TerminalWidth(fitted), ' '), right);
}

std::string Header(const VertexTable& vertices, std::chrono::nanoseconds elapsed, bool final,
                   size_t columns) {
  const auto& all = vertices.in_start_order();
  auto done = std::count_if(all.begin(), all.end(), [](auto& v) { return v.finished(); });
  bool finished = final && !all.empty() && static_cast<size_t>(done) == all.size();
  std::string header = fmt::format("[+] Building {} ({}/{}){}", FormatSeconds(elapsed), done,
                                   all.size(), finished ? " FINISHED" : "");
  return std::string(FitColumns(header, columns));
}

std::string VertexLine(const ProgressVertex& vertex, ProgressTime now, size_t columns, bool color) {
  std::string name =
      fmt::format("{}{}{}{}", kVertexPrefix, vertex.cached() ? "CACHED " : "",
                  vertex.error().empty() ? "" : "ERROR ", TerminalText(vertex.title()));
  std::string line = Align(name, " " + FormatSeconds(vertex.Elapsed(now)), columns);
  if (!vertex.finished()) return line;
  return Paint(std::move(line), vertex.error().empty() ? kBlue : kRed, color);
}

// The last kTtyOutputLines lines of `vertex` that show something, the
// unfinished ones included (a progress bar is one).
std::vector<std::string> LiveOutput(const ProgressVertex& vertex, size_t columns, bool color) {
  std::vector<std::string> visible;
  auto add = [&visible](const OutputLine& line) {
    std::string text = TerminalText(line.text);
    if (!text.empty()) visible.push_back(std::move(text));
  };
  std::for_each(vertex.tail().begin(), vertex.tail().end(), add);
  for (const OutputLine* partial : vertex.PartialLines()) add(*partial);
  size_t first = visible.size() - std::min(visible.size(), kTtyOutputLines);
  std::vector<std::string> lines;
  for (size_t i = first; i < visible.size(); ++i) {
    std::string_view fitted = FitColumns(visible[i], columns - kOutputPrefix.size());
    lines.push_back(Paint(fmt::format("{}{}", kOutputPrefix, fitted), kFaint, color));
  }
  return lines;
}

// Chooses what a live frame with `budget` lines for vertices shows: the
// running vertices first (the latest ones when even they do not fit), then
// their output, then as many finished vertices as fit, the latest ones.
void FitHeight(std::vector<Entry>& entries, size_t budget) {
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    if (entry->vertex->finished()) continue;
    entry->shown = budget > 0;
    if (entry->shown) --budget;
  }
  for (Entry& entry : entries) {
    size_t keep = entry.shown ? std::min(entry.output.size(), budget) : 0;
    entry.output.erase(entry.output.begin(), entry.output.end() - static_cast<ptrdiff_t>(keep));
    budget -= keep;
  }
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    if (!entry->vertex->finished()) continue;
    entry->shown = budget > 0;
    if (entry->shown) --budget;
  }
}

}  // namespace

std::vector<std::string> LayoutTtyFrame(const VertexTable& vertices, ProgressTime now,
                                        std::chrono::nanoseconds elapsed,
                                        const TtyFrameOptions& options) {
  auto columns = static_cast<size_t>(std::max(options.size.columns - 1, kMinColumns));
  std::vector<Entry> entries;
  for (const ProgressVertex& vertex : vertices.in_start_order()) {
    entries.push_back({&vertex, {}});
    if (!options.final && !vertex.finished()) {
      entries.back().output = LiveOutput(vertex, columns, options.color);
    }
  }
  // The header takes a row, and the last row stays free (see the header).
  if (!options.final) FitHeight(entries, static_cast<size_t>(std::max(options.size.rows - 2, 0)));

  std::vector<std::string> lines{Header(vertices, elapsed, options.final, columns)};
  for (const Entry& entry : entries) {
    if (!entry.shown) continue;
    lines.push_back(VertexLine(*entry.vertex, now, columns, options.color));
    lines.insert(lines.end(), entry.output.begin(), entry.output.end());
  }
  return lines;
}

}  // namespace imgbuild::builder
