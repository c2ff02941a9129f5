#include "builder/progress_tty.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "builder/progress_tty_frame.h"
#include "tests/builder/progress_testing.h"

namespace imgbuild::builder {
namespace {

using namespace std::chrono_literals;
using progress_testing::ManualClock;
using progress_testing::OutputFile;
using progress_testing::ShowOnScreen;
using Lines = std::vector<std::string>;

// `left` and `right` on one row that ends at `columns`.
std::string Row(std::string_view left, std::string_view right, size_t columns = 59) {
  return fmt::format("{:<{}}{}", left, columns - right.size(), right);
}

class TtyProgressTest : public ::testing::Test {
 protected:
  // A sink without render thread, drawn by Render at scripted times.
  std::unique_ptr<TtyProgressSink> MakeSink(TerminalSize size = {60, 20}, bool color = false) {
    return std::make_unique<TtyProgressSink>(file_.fd(),
                                             TtyProgressOptions{.clock = clock_.AsClock(),
                                                                .size = [size] { return size; },
                                                                .color = color,
                                                                .refresh = 0ms});
  }

  OutputFile file_;
  ManualClock clock_;
};

TEST_F(TtyProgressTest, DrawsRunningVerticesWithTheirLastOutput) {
  auto sink = MakeSink();
  sink->Started(1, "[build 1/2] FROM debian:12");
  sink->Cached(1);
  sink->Finished(1, 0ns);
  clock_.Advance(200ms);
  sink->Started(2, "[build 2/2] RUN make");
  clock_.Advance(1s);
  sink->Output(2, OutputStream::kStdout, "cc -c main.c\ncc -c util.c\n\x1b[1mlinking");
  clock_.Advance(2100ms);
  sink->Render();

  EXPECT_EQ(file_.Contents(),
            "\x1b[?25l\r"
            "[+] Building 3.3s (1/2)\x1b[K\n" +
                Row(" => CACHED [build 1/2] FROM debian:12", " 0.0s") + "\x1b[K\n" +
                Row(" => [build 2/2] RUN make", " 3.1s") +
                "\x1b[K\n"
                " => => # cc -c main.c\x1b[K\n"
                " => => # cc -c util.c\x1b[K\n"
                " => => # linking\x1b[K\n"
                "\x1b[J\x1b[?25h");
}

TEST_F(TtyProgressTest, RedrawsInPlaceLeavingOnlyTheLatestFrame) {
  auto sink = MakeSink();
  sink->Started(1, "[build 1/1] RUN make");
  sink->Output(1, OutputStream::kStdout, "one\ntwo\nthree\n");
  clock_.Advance(1s);
  sink->Render();
  sink->Message("WARNING: no digest pinned");
  sink->Output(1, OutputStream::kStderr, "progress 10%\rprogress 90%\r");
  clock_.Advance(1s);
  sink->Render();
  std::string contents = file_.Contents();
  // The second frame climbs back over the first one's five lines.
  EXPECT_NE(contents.find("\x1b[?25l\x1b[5A\r\x1b[J"), std::string::npos);
  EXPECT_EQ(ShowOnScreen(contents),
            (Lines{"WARNING: no digest pinned", "[+] Building 2.0s (0/1)",
                   Row(" => [build 1/1] RUN make", " 2.0s"), " => => # one", " => => # two",
                   " => => # three", " => => # progress 90%"}));

  sink->Finished(1, 2500ms);
  clock_.Advance(1s);
  sink->Render();
  EXPECT_EQ(ShowOnScreen(file_.Contents()),
            (Lines{"WARNING: no digest pinned", "[+] Building 3.0s (1/1)",
                   Row(" => [build 1/1] RUN make", " 2.5s")}));
}

TEST_F(TtyProgressTest, CloseDrawsTheFinalStateAndTheFailedVerticesOutput) {
  auto sink = MakeSink({60, 4});
  for (int id = 1; id <= 3; ++id) {
    sink->Started(id, fmt::format("[build {}/3] RUN step {}", id, id));
  }
  sink->Finished(1, 1s);
  sink->Finished(2, 1s);
  clock_.Advance(512ms);
  sink->Output(3, OutputStream::kStderr, "make: *** [all] Error 2");
  sink->Render();
  sink->Finished(3, 2s, "exit code 2");
  sink->Close();
  sink->Close();
  sink->Started(4, "after Close: dropped");
  sink->Render();
  EXPECT_EQ(ShowOnScreen(file_.Contents()),
            (Lines{"[+] Building 0.5s (3/3) FINISHED", Row(" => [build 1/3] RUN step 1", " 1.0s"),
                   Row(" => [build 2/3] RUN step 2", " 1.0s"),
                   Row(" => ERROR [build 3/3] RUN step 3", " 2.0s"), "------",
                   " > [build 3/3] RUN step 3:", "0.512 make: *** [all] Error 2", "------"}));
}

TEST_F(TtyProgressTest, ColoursFinishedFailedAndOutputLines) {
  auto sink = MakeSink({60, 20}, true);
  sink->Started(1, "ok");
  sink->Finished(1, 1s);
  sink->Started(2, "bad");
  sink->Finished(2, 1s, "exit code 1");
  sink->Started(3, "running");
  sink->Output(3, OutputStream::kStdout, "out\n");
  sink->Render();
  std::string contents = file_.Contents();
  EXPECT_NE(contents.find("\x1b[34m" + Row(" => ok", " 1.0s") + "\x1b[0m"), std::string::npos);
  EXPECT_NE(contents.find("\x1b[31m" + Row(" => ERROR bad", " 1.0s") + "\x1b[0m"),
            std::string::npos);
  EXPECT_NE(contents.find("\x1b[2m => => # out\x1b[0m"), std::string::npos);
  EXPECT_NE(contents.find("\n" + Row(" => running", " 0.0s") + "\x1b[K"), std::string::npos);
}

TEST_F(TtyProgressTest, RenderThreadRedrawsUntilClose) {
  TtyProgressOptions options;
  options.size = [] { return TerminalSize{60, 20}; };
  options.color = false;
  options.refresh = 5ms;
  auto sink = std::make_unique<TtyProgressSink>(file_.fd(), std::move(options));
  sink->Started(1, "[build 1/1] RUN make");
  sink->Output(1, OutputStream::kStdout, "working\n");
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (file_.Contents().find(" => => # working") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  sink->Finished(1, 1s);
  sink->Close();
  std::string contents = file_.Contents();
  EXPECT_NE(contents.find(" => => # working"), std::string::npos) << "no live frame in 5 s";
  Lines screen = ShowOnScreen(contents);
  ASSERT_EQ(screen.size(), 2u);
  EXPECT_TRUE(screen[0].starts_with("[+] Building ") && screen[0].ends_with(" (1/1) FINISHED"))
      << screen[0];
  EXPECT_EQ(screen[1], Row(" => [build 1/1] RUN make", " 1.0s"));
}

const ProgressTime kNow = ProgressTime(1h);

TtyFrameOptions Live(TerminalSize size) {
  return {.size = size, .final = false, .color = false};
}

TEST(TtyFrameTest, FitsLinesToTheTerminalWidth) {
  VertexTable vertices;
  ProgressVertex* vertex = vertices.Start(
      1, "[build 2/2] RUN apt-get update && apt-get install -y build-essential", kNow);
  vertex->AddOutput(OutputStream::kStdout,
                    "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]\n"
                    "\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba"
                    "\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba\n",
                    kNow);
  Lines lines = LayoutTtyFrame(vertices, kNow + 12s, 12s, Live({30, 10}));
  EXPECT_EQ(lines, (Lines{"[+] Building 12.0s (0/1)", " => [build 2/2] RUN apt 12.0s",
                          " => => # Get:1 http://deb.deb",
                          " => => # \xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84"
                          "\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba\xe6\x9e\x84\xe5\xbb\xba"}));
  for (const std::string& line : lines) EXPECT_LE(TerminalWidth(line), 29u) << line;
}

TEST(TtyFrameTest, OldFinishedVerticesScrollOffTheTop) {
  VertexTable vertices;
  for (int id = 1; id <= 10; ++id) {
    vertices.Start(id, fmt::format("step {}", id), kNow)->MarkFinished(1s, "");
  }
  ProgressVertex* running = vertices.Start(11, "step 11", kNow);
  for (int i = 1; i <= 8; ++i) {
    running->AddOutput(OutputStream::kStdout, fmt::format("out {}\n", i), kNow);
  }
  // Ten rows: the header, the running vertex and its six lines, and room
  // for one finished vertex, the latest; the last row stays free.
  Lines lines = LayoutTtyFrame(vertices, kNow + 2s, 2s, Live({40, 10}));
  EXPECT_EQ(lines, (Lines{"[+] Building 2.0s (10/11)", Row(" => step 10", " 1.0s", 39),
                          Row(" => step 11", " 2.0s", 39), " => => # out 3", " => => # out 4",
                          " => => # out 5", " => => # out 6", " => => # out 7", " => => # out 8"}));

  // The final frame shows everything; the terminal scrolls it.
  EXPECT_EQ(
      LayoutTtyFrame(vertices, kNow + 2s, 2s, {.size = {40, 10}, .final = true, .color = false})
          .size(),
      12u);
}

TEST(TtyFrameTest, RunningVerticesComeFirstWhenTheyAloneOverflow) {
  VertexTable vertices;
  vertices.Start(1, "done", kNow)->MarkFinished(1s, "");
  for (int id = 2; id <= 4; ++id) {
    vertices.Start(id, fmt::format("running {}", id), kNow)
        ->AddOutput(OutputStream::kStdout, "busy\n", kNow);
  }
  Lines lines = LayoutTtyFrame(vertices, kNow + 1s, 1s, Live({40, 4}));
  EXPECT_EQ(lines, (Lines{"[+] Building 1.0s (1/4)", Row(" => running 3", " 1.0s", 39),
                          Row(" => running 4", " 1.0s", 39)}));
}

}  // namespace
}  // namespace imgbuild::builder
