#include "builder/progress_vertex.h"

#include <gtest/gtest.h>

namespace imgbuild::builder {
namespace {

using namespace std::chrono_literals;

const ProgressTime kStart = ProgressTime(1h);

std::vector<std::string> Texts(const std::vector<OutputLine>& lines) {
  std::vector<std::string> texts;
  for (const OutputLine& line : lines) texts.push_back(line.text);
  return texts;
}

TEST(ProgressVertexTest, FormatsTimesAsBuildKit) {
  EXPECT_EQ(FormatLineOffset(512ms), "0.512");
  EXPECT_EQ(FormatLineOffset(0ns), "0.000");
  EXPECT_EQ(FormatLineOffset(12500ms), "12.50");
  EXPECT_EQ(FormatLineOffset(123400ms), "123.4");
  EXPECT_EQ(FormatSeconds(1234ms), "1.2s");
  EXPECT_EQ(FormatSeconds(0ns), "0.0s");
}

TEST(ProgressVertexTest, HoldsPartialLinesPerStreamUntilTheirNewline) {
  ProgressVertex vertex(1, "RUN make", kStart);
  EXPECT_TRUE(vertex.AddOutput(OutputStream::kStdout, "comp", kStart + 100ms).empty());
  EXPECT_TRUE(vertex.AddOutput(OutputStream::kStderr, "warn", kStart + 200ms).empty());
  ASSERT_EQ(vertex.PartialLines().size(), 2u);
  EXPECT_EQ(vertex.PartialLines()[0]->text, "comp");

  std::vector<OutputLine> lines =
      vertex.AddOutput(OutputStream::kStdout, "iling\r\n\nlink", kStart + 300ms);
  EXPECT_EQ(Texts(lines), (std::vector<std::string>{"compiling", ""}));
  EXPECT_EQ(lines[0].offset, 100ms);  // When the line's first byte came.
  EXPECT_EQ(lines[1].offset, 300ms);

  lines = vertex.EndPartialLines();
  EXPECT_EQ(Texts(lines), (std::vector<std::string>{"link", "warn"}));
  EXPECT_EQ(lines[1].offset, 200ms);
  EXPECT_TRUE(vertex.PartialLines().empty());
  EXPECT_EQ(Texts({vertex.tail().begin(), vertex.tail().end()}),
            (std::vector<std::string>{"compiling", "", "link", "warn"}));
}

TEST(ProgressVertexTest, CutsEndlessLinesAndKeepsALimitedTail) {
  ProgressVertex vertex(1, "RUN cat /dev/urandom", kStart);
  std::string blob(ProgressVertex::kMaxLineBytes - 1, 'x');
  EXPECT_TRUE(vertex.AddOutput(OutputStream::kStdout, blob, kStart).empty());
  EXPECT_EQ(vertex.AddOutput(OutputStream::kStdout, "yz", kStart).size(), 1u);
  EXPECT_EQ(vertex.tail().back().text.size(), ProgressVertex::kMaxLineBytes + 1);

  for (int i = 0; i < 25; ++i) vertex.AddOutput(OutputStream::kStdout, "line\n", kStart);
  EXPECT_EQ(vertex.tail().size(), ProgressVertex::kTailLines);
}

TEST(ProgressVertexTest, ElapsedIsTheRunningTimeThenTheReportedOne) {
  ProgressVertex vertex(1, "RUN make", kStart);
  EXPECT_EQ(vertex.Elapsed(kStart + 3s), 3s);
  vertex.MarkFinished(2500ms, "");
  EXPECT_EQ(vertex.Elapsed(kStart + 9s), 2500ms);
  EXPECT_TRUE(vertex.finished());
  EXPECT_TRUE(vertex.error().empty());
}

TEST(VertexTableTest, NumbersVerticesInStartOrderAndIgnoresRestarts) {
  VertexTable table;
  ProgressVertex* first = table.Start(42, "a", kStart);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(table.Start(7, "b", kStart)->number(), 2);
  EXPECT_EQ(table.Start(42, "again", kStart), nullptr);
  EXPECT_EQ(table.Find(42), first);
  EXPECT_EQ(first->number(), 1);
  EXPECT_EQ(table.Find(5), nullptr);
  EXPECT_EQ(table.in_start_order().size(), 2u);
}

TEST(FailureSummaryTest, ListsFailedVerticesWithTheirLastLines) {
  VertexTable table;
  table.Start(1, "[build 1/2] FROM debian", kStart)->MarkFinished(1s, "");
  ProgressVertex* failed = table.Start(2, "[build 2/2] RUN make", kStart);
  failed->AddOutput(OutputStream::kStderr, "\x1b[31mmain.c:3: error\x1b[0m\n", kStart + 512ms);
  failed->MarkFinished(1s, "exit code 2");
  EXPECT_EQ(FormatFailureSummary(table),
            "------\n"
            " > [build 2/2] RUN make:\n"
            "0.512 main.c:3: error\n"
            "------\n");
  EXPECT_EQ(FormatFailureSummary(VertexTable()), "");
}

}  // namespace
}  // namespace imgbuild::builder
