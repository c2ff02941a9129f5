// The one error convention of imgbuild: functions that fail throw
// imgbuild::Error (or a subclass) whose message says what failed, where
// (recipe file:line, path, digest or URL) and, when it helps, what to do.
// Callers that can recover catch the specific subclass; everything else
// reaches the CLI, which prints the message and exits non-zero.
#ifndef IMGBUILD_UTIL_ERROR_H_
#define IMGBUILD_UTIL_ERROR_H_

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace imgbuild {

/// Base of every error imgbuild throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void Fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

/// Returns "<what>: <strerror(errnum)>", for messages about failed syscalls.
std::string ErrnoMessage(const std::string& what, int errnum);

/// Throws Error with ErrnoMessage(what, errno).
[[noreturn]] void FailErrno(const std::string& what);

}  // namespace imgbuild

#endif  // IMGBUILD_UTIL_ERROR_H_
