// Internal to the sandbox: what runs in the sandbox's PID 1 before it becomes
// the init program (sandbox_init_main.cc), and in the command it starts.
//
// PID 1 is cloned with CLONE_VM | CLONE_VFORK, like posix_spawn: it runs on its
// own stack inside imgbuild's memory while the calling thread waits, and the
// command is started from it the same way. No address space is copied, which
// keeps a RUN cheap however large imgbuild grows, and the calling thread
// resumes once PID 1 has exec'd the init program. The price: imgbuild's other
// threads keep running, and may hold locks (malloc's among them) that these
// processes must not take. Everything here is therefore restricted to system
// calls and plain memory access: the parent lays out every string, array and
// option in a ChildPlan beforehand, and failures travel back as ChildReport
// records on a pipe instead of exceptions.
#ifndef IMGBUILD_BUILDER_SANDBOX_CHILD_H_
#define IMGBUILD_BUILDER_SANDBOX_CHILD_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "builder/sandbox_report.h"

namespace imgbuild::builder::sandbox_internal {

/// Descriptor of the init program's memfd inside PID 1 (the report pipe is kReportFd).
constexpr int kInitProgramFd = 4;

/// One extra mount, in the order the spec lists them (the /etc files first).
struct PlannedMount {
  enum class Kind { kBind, kTmpfs };
  Kind kind = Kind::kBind;
  std::string target;            ///< Container path.
  std::string source;            ///< Host path, for binds.
  bool source_is_directory = false;
  bool readonly = false;
  bool create_missing_target = true;  ///< false: skip the mount when the target is missing.
  std::string tmpfs_options;          ///< mount(2) data, for tmpfs.
  int tree_fd = -1;                   ///< Filled in by the child: the detached bind.
};

/// Everything the child needs, prepared by the parent.
struct ChildPlan {
  int stdin_fd = -1;  ///< Parent-side descriptors, moved to 0, 1, 2 and kReportFd.
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
  int init_program_fd = -1;  ///< Moved to kInitProgramFd.
  std::string rootfs;
  std::string hostname;
  bool new_network = false;
  std::vector<PlannedMount> mounts;
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;  ///< Null-terminated views of the storage.
  std::vector<char*> envp;
  std::vector<std::string> path_dirs;  ///< $PATH, searched for argv[0].
  std::string working_dir;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  uint64_t capabilities = 0;
  bool no_new_privileges = true;
  // Stacks for PID 1 and the command; left uninitialized, so untouched pages cost nothing.
  static constexpr size_t kStackSize = 256 * 1024;
  std::unique_ptr<char[]> init_stack = std::make_unique_for_overwrite<char[]>(kStackSize);
  std::unique_ptr<char[]> command_stack = std::make_unique_for_overwrite<char[]>(kStackSize);
};

/// Entry of the sandbox's PID 1 (a clone(2) function; `plan` is a ChildPlan):
/// sets the namespaces up, starts the command, execs the init program.
/// Never returns; on failure it reports and exits.
int SandboxInitMain(void* plan) noexcept;

/// Reports kSetupFailed for `step` and `path` with the current errno, then exits.
[[noreturn]] void FailSetup(const char* step, const char* path) noexcept;

/// Mount steps, run by PID 1 in this order; each calls FailSetup on error.
void MakeMountsPrivate() noexcept;
void OpenBindSources(ChildPlan& plan) noexcept;  ///< Before leaving the host's root.
void PivotInto(const char* rootfs) noexcept;
void MountProc() noexcept;
void MountSys() noexcept;
void MountDev() noexcept;
void AttachPlannedMounts(ChildPlan& plan) noexcept;
void MaskPaths() noexcept;
void MakePathsReadonly() noexcept;
/// mkdir -p with mode 0755 (the umask is 0 in PID 1).
void MakeDirectories(const char* path) noexcept;

}  // namespace imgbuild::builder::sandbox_internal

#endif  // IMGBUILD_BUILDER_SANDBOX_CHILD_H_
