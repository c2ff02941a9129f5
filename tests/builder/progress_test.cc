#include "builder/progress.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "builder/progress_plain.h"
#include "builder/progress_tty.h"
#include "tests/builder/progress_testing.h"
#include "util/error.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

using namespace std::chrono_literals;

// Sets (or with nullopt unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// A pseudo terminal of 50x12 cells.
struct PseudoTerminal {
  PseudoTerminal() {
    int master_fd = -1, slave_fd = -1;
    winsize size{};
    size.ws_col = 50;
    size.ws_row = 12;
    if (::openpty(&master_fd, &slave_fd, nullptr, nullptr, &size) != 0) FailErrno("openpty");
    master.Reset(master_fd);
    slave.Reset(slave_fd);
  }

  // Everything written to the slave side so far.
  std::string Drain() const {
    std::string bytes;
    pollfd readable{master.get(), POLLIN, 0};
    char buffer[4096];
    while (::poll(&readable, 1, 50) == 1) {
      ssize_t got = ::read(master.get(), buffer, sizeof buffer);
      if (got <= 0) break;
      bytes.append(buffer, static_cast<size_t>(got));
    }
    return bytes;
  }

  UniqueFd master, slave;
};

struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe(fds) != 0) FailErrno("pipe");
    read_end.Reset(fds[0]);
    write_end.Reset(fds[1]);
  }
  UniqueFd read_end, write_end;
};

bool IsTty(const std::unique_ptr<ProgressSink>& sink) {
  return dynamic_cast<TtyProgressSink*>(sink.get()) != nullptr;
}
bool IsPlain(const std::unique_ptr<ProgressSink>& sink) {
  return dynamic_cast<PlainProgressSink*>(sink.get()) != nullptr;
}

TEST(ParseProgressModeTest, AcceptsTheThreeModes) {
  EXPECT_EQ(ParseProgressMode("auto"), ProgressMode::kAuto);
  EXPECT_EQ(ParseProgressMode("tty"), ProgressMode::kTty);
  EXPECT_EQ(ParseProgressMode("plain"), ProgressMode::kPlain);
  try {
    ParseProgressMode("rawjson");
    ADD_FAILURE() << "rawjson was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("\"rawjson\""), std::string::npos) << error.what();
  }
}

TEST(MakeProgressSinkTest, AutoDrawsTheLiveViewOnATerminalAtItsSize) {
  PseudoTerminal terminal;
  ScopedEnv term("TERM", "xterm-256color");
  auto sink = MakeProgressSink(ProgressMode::kAuto, terminal.slave.get());
  ASSERT_TRUE(IsTty(sink));
  sink->Started(1, "[build 1/1] RUN a-very-long-command-line that does not fit");
  sink->Finished(1, 1s);
  sink->Close();

  auto screen = progress_testing::ShowOnScreen(terminal.Drain());
  ASSERT_EQ(screen.size(), 2u);
  // 50 columns: every line ends by column 49.
  EXPECT_EQ(screen[1], " => [build 1/1] RUN a-very-long-command-line 1.0s");
}

TEST(MakeProgressSinkTest, AutoWritesPlainToDumbTerminalsAndPipes) {
  PseudoTerminal terminal;
  Pipe pipe;
  {
    ScopedEnv term("TERM", "dumb");
    EXPECT_TRUE(IsPlain(MakeProgressSink(ProgressMode::kAuto, terminal.slave.get())));
  }
  ScopedEnv term("TERM", "xterm");
  EXPECT_TRUE(IsPlain(MakeProgressSink(ProgressMode::kAuto, pipe.write_end.get())));
  EXPECT_TRUE(IsPlain(MakeProgressSink(ProgressMode::kPlain, terminal.slave.get())));
  EXPECT_TRUE(IsTty(MakeProgressSink(ProgressMode::kTty, pipe.write_end.get())));
}

TEST(MakeProgressSinkTest, NoColorTurnsColoursOff) {
  Pipe pipe;
  ScopedEnv no_color("NO_COLOR", "1");
  auto sink = MakeProgressSink(ProgressMode::kTty, pipe.write_end.get());
  sink->Started(1, "RUN true");
  sink->Finished(1, 1s);
  sink->Close();
  pipe.write_end.Reset();
  std::string bytes;
  char buffer[4096];
  while (size_t got = ReadSome(pipe.read_end.get(), buffer, sizeof buffer, "pipe")) {
    bytes.append(buffer, got);
  }
  EXPECT_NE(bytes.find(" => RUN true"), std::string::npos) << bytes;
  EXPECT_EQ(bytes.find("\x1b[34m"), std::string::npos) << bytes;
}

TEST(MakeSilentProgressSinkTest, AcceptsEverything) {
  auto sink = MakeSilentProgressSink();
  EXPECT_NO_THROW({
    sink->Started(1, "RUN true");
    sink->Output(1, OutputStream::kStdout, "x");
    sink->Finished(1, 1s);
    sink->Close();
  });
}

}  // namespace
}  // namespace imgbuild::builder
