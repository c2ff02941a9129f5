#include "builder/terminal_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include "util/error.h"

namespace imgbuild::cli {
namespace {

constexpr std::array<int, 4> kInterruptSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// What an interrupting signal's handler needs to give the terminal its echo
// back before the process dies; set only while a silent prompt is open.
struct termios g_saved_mode;
volatile sig_atomic_t g_silenced_fd = -1;

extern "C" void RestoreModeAndDie(int signum) {
  if (g_silenced_fd >= 0) tcsetattr(g_silenced_fd, TCSANOW, &g_saved_mode);
  signal(signum, SIG_DFL);
  raise(signum);
}

// Turns echo off on `fd` for its lifetime, with the signal handlers above.
class SilencedTerminal {
 public:
  explicit SilencedTerminal(int fd) : fd_(fd) {
    if (tcgetattr(fd, &g_saved_mode) != 0) FailErrno("cannot read the terminal's mode");
    struct sigaction action {};
    action.sa_handler = RestoreModeAndDie;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < kInterruptSignals.size(); ++i) {
      sigaction(kInterruptSignals[i], &action, &previous_[i]);
    }
    g_silenced_fd = fd;
    struct termios silent = g_saved_mode;
    silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    silent.c_lflag |= ECHONL;  // the Enter key still moves to the next line
    if (tcsetattr(fd, TCSAFLUSH, &silent) != 0) {
      Restore();
      FailErrno("cannot turn off the terminal's echo");
    }
  }
  SilencedTerminal(const SilencedTerminal&) = delete;
  SilencedTerminal& operator=(const SilencedTerminal&) = delete;
  ~SilencedTerminal() {
    tcsetattr(fd_, TCSAFLUSH, &g_saved_mode);
    Restore();
  }

 private:
  void Restore() {
    g_silenced_fd = -1;
    for (size_t i = 0; i < kInterruptSignals.size(); ++i) {
      sigaction(kInterruptSignals[i], &previous_[i], nullptr);
    }
  }

  int fd_;
  std::array<struct sigaction, kInterruptSignals.size()> previous_{};
};

std::string ReadLine(int fd) {
  std::string line;
  char c;
  for (;;) {
    ssize_t got = read(fd, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) FailErrno("cannot read from the terminal");
    if (got == 0 || c == '\n') break;
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

UniqueFd OpenTerminal(std::string_view alternative) {
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    Fail("cannot prompt: there is no terminal ({}); {}", ErrnoMessage("/dev/tty", errno),
         alternative);
  }
  return UniqueFd(fd);
}

std::string PromptLine(int tty_fd, std::string_view prompt, bool echo) {
  if (!isatty(tty_fd)) Fail("cannot prompt for \"{}\": not a terminal", prompt);
  std::optional<SilencedTerminal> silenced;
  // Echo goes off before the prompt shows, so nothing typed after it shows.
  if (!echo) silenced.emplace(tty_fd);
  WriteAll(tty_fd, prompt.data(), prompt.size(), "the terminal");
  return ReadLine(tty_fd);
}

}  // namespace imgbuild::cli
