// Internal to the sandbox: the fixed-size records its processes send the
// parent on the report pipe. Shared by the library and the sandbox's init
// program, so it needs nothing but integers.
#ifndef IMGBUILD_BUILDER_SANDBOX_REPORT_H_
#define IMGBUILD_BUILDER_SANDBOX_REPORT_H_

#include <cstdint>

namespace imgbuild::builder::sandbox_internal {

/// Descriptor of the report pipe inside the sandbox.
constexpr int kReportFd = 3;

/// One message. Pipe writes of this size (< PIPE_BUF) are atomic.
struct ChildReport {
  enum Kind : int32_t {
    kSetupFailed = 1,   ///< `step` on `path` failed with `error`.
    kExecFailed = 2,    ///< exec of `path` failed with `error`.
    kCommandEnded = 3,  ///< The command ended with wait status `wait_status`.
  };
  int32_t kind = 0;
  int32_t error = 0;
  int32_t wait_status = 0;
  int32_t searched_path = 0;  ///< kExecFailed: argv[0] was looked up in $PATH.
  int32_t file_exists = 0;    ///< kExecFailed: `path` exists (ENOENT means its loader is missing).
  char step[64] = {};
  char path[512] = {};
};

}  // namespace imgbuild::builder::sandbox_internal

#endif  // IMGBUILD_BUILDER_SANDBOX_REPORT_H_
