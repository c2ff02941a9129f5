#include "builder/progress_plain.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <thread>

#include "tests/builder/progress_testing.h"
#include "util/split.h"

namespace imgbuild::builder {
namespace {

using namespace std::chrono_literals;
using progress_testing::ManualClock;
using progress_testing::OutputFile;

TEST(PlainProgressTest, WritesOneLinePerEventInBuildKitsFormat) {
  OutputFile file;
  ManualClock clock;
  PlainProgressSink sink(file.fd(), clock.AsClock());

  sink.Started(10, "[internal] load build definition from Buildfile");
  clock.Advance(100ms);
  sink.Finished(10, 100ms);
  sink.Started(20, "[build 1/2] FROM docker.io/library/debian:12");
  sink.Cached(20);
  sink.Finished(20, 0ns);
  // Two stages in parallel, their output interleaved and cut mid-line.
  sink.Started(30, "[build 2/2] RUN make");
  sink.Started(40, "[tools 2/2] RUN go build");
  clock.Advance(512ms);
  sink.Output(30, OutputStream::kStdout, "compil");
  clock.Advance(100ms);
  sink.Output(40, OutputStream::kStderr, "go: downloading x\ngo: ");
  clock.Advance(100ms);
  sink.Output(30, OutputStream::kStdout, "ing main.c\ncc -o app\n");
  sink.Message("WARNING: FROM uses a tag, not a digest");
  clock.Advance(1s);
  sink.Output(40, OutputStream::kStderr, "finding y");
  sink.Output(99, OutputStream::kStdout, "never started: dropped\n");
  sink.Finished(40, 1800ms, "exit code 2");
  sink.Finished(30, 2345ms);
  sink.Close();
  sink.Close();
  sink.Message("after Close: dropped");

  EXPECT_EQ(file.Contents(),
            "#1 [internal] load build definition from Buildfile\n"
            "#1 DONE 0.1s\n"
            "\n"
            "#2 [build 1/2] FROM docker.io/library/debian:12\n"
            "#2 CACHED\n"
            "\n"
            "#3 [build 2/2] RUN make\n"
            "\n"
            "#4 [tools 2/2] RUN go build\n"
            "#4 0.612 go: downloading x\n"
            "#3 0.512 compiling main.c\n"
            "#3 0.712 cc -o app\n"
            "WARNING: FROM uses a tag, not a digest\n"
            "#4 0.612 go: finding y\n"
            "#4 ERROR: exit code 2\n"
            "#3 DONE 2.3s\n"
            "------\n"
            " > [tools 2/2] RUN go build:\n"
            "0.612 go: downloading x\n"
            "0.612 go: finding y\n"
            "------\n");
}

TEST(PlainProgressTest, CloseEndsTheLinesOfVerticesStillRunning) {
  OutputFile file;
  ManualClock clock;
  PlainProgressSink sink(file.fd(), clock.AsClock());
  sink.Started(1, "[build 2/2] RUN sleep 100");
  clock.Advance(2s);
  sink.Output(1, OutputStream::kStdout, "waiting");
  sink.Close();
  sink.Finished(1, 3s);
  EXPECT_EQ(file.Contents(), "#1 [build 2/2] RUN sleep 100\n#1 2.000 waiting\n");
}

// Eight stages write at once, every line cut into three chunks: each line
// must come out whole, once, in its stage's order.
TEST(PlainProgressTest, ParallelOutputNeverInterleavesWithinALine) {
  constexpr int kThreads = 8, kLines = 300;
  OutputFile file;
  PlainProgressSink sink(file.fd());
  std::vector<std::thread> threads;
  for (int worker = 0; worker < kThreads; ++worker) {
    threads.emplace_back([&sink, worker] {
      sink.Started(worker, fmt::format("worker {}", worker));
      for (int i = 0; i < kLines; ++i) {
        std::string line =
            fmt::format("worker {} line {} {}\n", worker, i, std::string(i % 97, 'x'));
        size_t third = line.size() / 3;
        sink.Output(worker, OutputStream::kStdout, std::string_view(line).substr(0, third));
        sink.Output(worker, OutputStream::kStdout, std::string_view(line).substr(third, third));
        sink.Output(worker, OutputStream::kStdout, std::string_view(line).substr(2 * third));
      }
      sink.Finished(worker, 1s);
    });
  }
  for (std::thread& thread : threads) thread.join();
  sink.Close();

  std::regex header(R"(#(\d+) worker (\d))");
  std::regex output(R"(#(\d+) \d+\.\d{3} worker (\d) line (\d+) (x*))");
  std::map<std::string, int> worker_of_number;
  std::vector<int> next_line(kThreads, 0);
  for (const std::string& line : Split(file.Contents(), '\n')) {
    std::smatch match;
    if (std::regex_match(line, match, header)) {
      worker_of_number[match[1]] = std::stoi(match[2]);
    } else if (std::regex_match(line, match, output)) {
      int worker = std::stoi(match[2]), index = std::stoi(match[3]);
      ASSERT_EQ(worker_of_number[match[1]], worker) << line;
      ASSERT_EQ(index, next_line[worker]++) << line;
      ASSERT_EQ(match[4].length(), index % 97) << line;
    } else {
      ASSERT_TRUE(line.empty() || line.find(" DONE 1.0s") != std::string::npos) << line;
    }
  }
  EXPECT_EQ(next_line, std::vector<int>(kThreads, kLines));
}

TEST(PlainProgressTest, AFailingDescriptorNeverFailsTheBuild) {
  UniqueFd full = OpenOrThrow("/dev/full", O_WRONLY);
  PlainProgressSink sink(full.get());
  EXPECT_NO_THROW({
    sink.Started(1, "RUN make");
    sink.Output(1, OutputStream::kStdout, "a line\n");
    sink.Message("warning");
    sink.Finished(1, 1s, "exit code 1");
    sink.Close();
  });
  PlainProgressSink closed_fd(-1);
  EXPECT_NO_THROW({
    closed_fd.Started(1, "RUN make");
    closed_fd.Close();
  });
}

}  // namespace
}  // namespace imgbuild::builder
