// Asking the person at the terminal for a line, such as a password, the
// way `docker login` and sudo do: on the controlling terminal (not stdin,
// which may be a pipe), with echo off for secrets.
#ifndef IMGBUILD_BUILDER_TERMINAL_PROMPT_H_
#define IMGBUILD_BUILDER_TERMINAL_PROMPT_H_

#include <string>
#include <string_view>

#include "util/fd.h"

namespace imgbuild::cli {

/// Opens the controlling terminal (/dev/tty) for reading and writing.
/// Throws Error saying there is no terminal to prompt on and pointing at
/// `alternative` (e.g. "use --password-stdin").
UniqueFd OpenTerminal(std::string_view alternative);

/// Writes `prompt` to the terminal `tty_fd` and returns the line typed
/// there, without its line ending. With `echo` false the typed characters
/// are not shown (a newline is written after the input instead), and the
/// terminal's mode is restored afterwards, also when SIGINT, SIGTERM,
/// SIGHUP or SIGQUIT ends the process during the prompt. Throws Error when
/// `tty_fd` is not a terminal or cannot be read.
std::string PromptLine(int tty_fd, std::string_view prompt, bool echo);

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_TERMINAL_PROMPT_H_
