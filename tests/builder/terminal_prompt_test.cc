// Prompts on a real pseudo-terminal: what the person types is returned,
// and with echo off it never appears on the screen.
#include "builder/terminal_prompt.h"

#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "util/error.h"

namespace imgbuild::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TerminalPromptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int master, slave;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0) << "openpty failed";
    master_.Reset(master);
    slave_.Reset(slave);
  }

  // Reads what the terminal shows until `text` appears (or 5 s pass).
  std::string ScreenUntil(const std::string& text) {
    for (int i = 0; i < 500 && screen_.find(text) == std::string::npos; ++i) {
      struct timeval timeout {0, 10000};
      fd_set readable;
      FD_ZERO(&readable);
      FD_SET(master_.get(), &readable);
      if (select(master_.get() + 1, &readable, nullptr, nullptr, &timeout) <= 0) continue;
      char buffer[256];
      ssize_t got = read(master_.get(), buffer, sizeof buffer);
      if (got > 0) screen_.append(buffer, static_cast<size_t>(got));
    }
    return screen_;
  }

  // Prompts on the slave side while typing `typed` on the master side once
  // the prompt shows; returns the line PromptLine read.
  std::string Answer(const std::string& prompt, bool echo, const std::string& typed) {
    auto line = std::async(std::launch::async,
                           [&] { return PromptLine(slave_.get(), prompt, echo); });
    EXPECT_THAT(ScreenUntil(prompt), HasSubstr(prompt));
    WriteAll(master_.get(), typed.data(), typed.size(), "pty master");
    return line.get();
  }

  bool EchoIsOn() const {
    struct termios mode {};
    EXPECT_EQ(tcgetattr(slave_.get(), &mode), 0);
    return (mode.c_lflag & ECHO) != 0;
  }

  UniqueFd master_, slave_;
  std::string screen_;
};

TEST_F(TerminalPromptTest, SecretIsReadWithoutEchoAndEchoComesBack) {
  ASSERT_TRUE(EchoIsOn());
  EXPECT_EQ(Answer("Password: ", false, "s3cret pass\n"), "s3cret pass");
  std::string screen = ScreenUntil("\n");
  EXPECT_THAT(screen, HasSubstr("Password: "));
  EXPECT_THAT(screen, Not(HasSubstr("s3cret"))) << screen;
  EXPECT_TRUE(EchoIsOn()) << "the terminal was left without echo";
}

TEST_F(TerminalPromptTest, VisiblePromptEchoesWhatIsTyped) {
  EXPECT_EQ(Answer("Username: ", true, "alice\n"), "alice");
  EXPECT_THAT(ScreenUntil("alice"), HasSubstr("Username: alice"));
}

TEST_F(TerminalPromptTest, EndOfInputGivesWhatWasTyped) {
  EXPECT_EQ(Answer("Password: ", false, "\x04"), "");
  EXPECT_TRUE(EchoIsOn());
}

TEST_F(TerminalPromptTest, NotATerminalIsAnError) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  EXPECT_THROW(PromptLine(read_end.get(), "Password: ", false), Error);
}

}  // namespace
}  // namespace imgbuild::cli
