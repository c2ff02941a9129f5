// Runs one command the way a Dockerfile RUN step runs: inside new mount, PID,
// IPC and UTS namespaces (and a new network namespace unless the host's is
// shared), pivoted into an already-mounted root filesystem, with Docker's
// capabilities, masked /proc paths, a minimal /dev and generated /etc files.
//
// Process layout: the sandbox's PID 1 starts as a clone sharing imgbuild's
// memory (no address space is copied, so the cost does not grow with
// imgbuild), sets the namespaces up, starts the command as PID 2 the same way,
// then execs a tiny embedded init program (sandbox_init_main.cc). That init
// reaps every orphan, so scripts that wait for their grandchildren never hang
// on a zombie, and exits when the command does. Its exit ends the PID
// namespace: the kernel kills whatever the command left behind (`sleep 1000 &`),
// and with the last process the mount namespace and every mount made inside it
// vanish. PID 1 also dies with the thread that started it (PR_SET_PDEATHSIG).
// So no process or mount outlives a run, however it ends. (Docker runs the
// command itself as PID 1; `echo $$` prints 2 here and 1 there.)
//
// Linux only; needs root (real root: no user namespace is involved).
#ifndef IMGBUILD_BUILDER_SANDBOX_H_
#define IMGBUILD_BUILDER_SANDBOX_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "builder/cancel_token.h"
#include "builder/capabilities.h"

namespace imgbuild::builder {

/// Which network the command sees.
enum class NetworkMode {
  kHost,  ///< The host's network namespace (Docker's RUN --network=host).
  kNone,  ///< A new network namespace with only `lo`, up.
};

/// A host file or directory bind-mounted (recursively) into the sandbox.
struct BindMount {
  std::string source;    ///< Absolute host path.
  bool readonly = true;  ///< BuildKit's default for RUN --mount=type=bind.
};

/// A fresh tmpfs.
struct TmpfsMount {
  uint64_t size_bytes = 0;  ///< 0: the kernel's default (half of RAM).
};

/// What a SandboxMount puts at its target. RUN --mount kinds map onto these:
/// cache and ssh become bind mounts of directories/sockets the executor
/// manages, secret a read-only bind of a file; add a type here when one
/// needs something new (ownership, mode, a file's contents...).
using MountSource = std::variant<BindMount, TmpfsMount>;

/// An extra mount for RUN --mount. The target (absolute, inside the rootfs)
/// is created when missing, which leaves a stub in the upper directory unless
/// the mount-point base (CreateMountPointBase) already provides it.
struct SandboxMount {
  std::string target;
  MountSource source;
};

/// Everything one RUN needs.
struct SandboxSpec {
  std::string rootfs;             ///< Absolute path of the mounted merged directory; becomes /.
  std::vector<std::string> argv;  ///< argv[0] is searched in the env's PATH unless it has a '/'.
  std::vector<std::string> env;   ///< KEY=VALUE, passed as they are.
  std::string working_dir = "/";  ///< Absolute; created (root:root 0755, as runc) when missing.
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> supplementary_gids;
  std::string hostname = "buildkitsandbox";  ///< BuildKit's, so RUN output matches.
  NetworkMode network = NetworkMode::kHost;  ///< Docker's RUN has network by default.
  std::vector<SandboxMount> mounts;          ///< Mounted in order, after /proc, /dev, /sys, /etc.
  /// Holds hosts, resolv.conf and hostname for /etc, as WriteSandboxEtcFiles
  /// writes them for this hostname and network (a build writes them once);
  /// empty: RunInSandbox writes them for this run.
  std::string etc_dir;
  uint64_t capabilities = kDockerDefaultCapabilities;  ///< Bounding set (CapabilityBit mask).
  bool no_new_privileges = true;  ///< PR_SET_NO_NEW_PRIVS (Docker: only on request).
};

/// Which stream a chunk of output came from.
enum class OutputStream { kStdout, kStderr };

/// Receives output as it arrives, in arbitrary chunks, on the calling thread.
using OutputCallback = std::function<void(OutputStream stream, std::string_view chunk)>;

/// How a sandboxed command ended.
struct SandboxResult {
  int exit_code = -1;      ///< When the command exited; -1 otherwise.
  int signal = 0;          ///< The signal that killed the command, or 0.
  bool cancelled = false;  ///< The CancelToken stopped the run; nothing else is valid.
  /// Why the command never started, as Docker words it (e.g. `exec: "foo":
  /// executable file not found in $PATH`); exit_code is then 127 (not found)
  /// or 126 (not executable). Empty when it started.
  std::string start_error;

  /// True for exit code 0.
  bool Succeeded() const { return !cancelled && signal == 0 && exit_code == 0; }
  /// "exit code 3", "killed by signal 9 (Killed)", "cancelled", or start_error
  /// followed by the exit code.
  std::string Describe() const;
};

/// Writes the sandbox's own /etc/hosts, /etc/resolv.conf (from the host's)
/// and /etc/hostname into the existing directory `dir`. Throws Error naming
/// the file that cannot be written.
void WriteSandboxEtcFiles(const std::string& hostname, NetworkMode network,
                          const std::string& dir);

/// Runs `spec.argv` in a new sandbox and waits for it; `on_output` (may be
/// empty) gets stdout and stderr chunks as they come; stdin is /dev/null.
/// When `cancel` is given and gets cancelled, every process of the sandbox is
/// killed and the call returns promptly with `cancelled` set. Returns only
/// after all processes of the sandbox are gone. Throws Error when the spec is
/// invalid or the sandbox cannot be set up (the message names the step, path
/// and errno: not root, rootfs missing /proc, ...); whatever `on_output`
/// throws propagates after the sandbox is killed.
SandboxResult RunInSandbox(const SandboxSpec& spec, const OutputCallback& on_output,
                           const CancelToken* cancel = nullptr);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_SANDBOX_H_
