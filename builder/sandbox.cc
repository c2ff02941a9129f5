// The parent's half of RunInSandbox: check the spec, lay out a ChildPlan,
// clone the sandbox's PID 1 into new namespaces, forward its output, wait,
// and turn its reports into a result. The child's half is sandbox_child*.cc.
#include "builder/sandbox.h"

#include <fcntl.h>
#include <linux/limits.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "builder/sandbox_child.h"
#include "builder/sandbox_etc_files.h"
#include "builder/sandbox_init_binary.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using sandbox_internal::ChildPlan;
using sandbox_internal::ChildReport;
using sandbox_internal::PlannedMount;

// Docker's PATH for a container whose environment has none.
constexpr char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr size_t kMaxHostname = 64;
constexpr char kEtcFiles[][12] = {"hosts", "resolv.conf", "hostname"};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe MakePipe(const char* purpose) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) FailErrno(std::string("create the sandbox's ") + purpose + " pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::string ReadFileOr(const std::string& path, const std::string& fallback) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fallback;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& content) {
  UniqueFd fd = OpenOrThrow(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  WriteAll(fd.get(), content.data(), content.size(), path);
}

void CheckContainerPath(const std::string& path, const char* what) {
  if (path.empty() || path.front() != '/' || path.size() >= PATH_MAX ||
      path.find("/../") != std::string::npos || path.ends_with("/..")) {
    Fail("sandbox: {} \"{}\" must be an absolute path without \"..\"", what, path);
  }
}

void CheckSpec(const SandboxSpec& spec) {
  if (geteuid() != 0) Fail("sandbox: running a RUN step needs root (euid is {})", geteuid());
  if (spec.argv.empty()) Fail("sandbox: no command to run (empty argv)");
  struct stat info {};
  if (spec.rootfs.empty() || spec.rootfs.front() != '/' || stat(spec.rootfs.c_str(), &info) != 0 ||
      !S_ISDIR(info.st_mode)) {
    Fail("sandbox: rootfs \"{}\" is not an existing absolute directory", spec.rootfs);
  }
  CheckContainerPath(spec.working_dir, "working directory");
  if (spec.hostname.empty() || spec.hostname.size() > kMaxHostname) {
    Fail("sandbox: hostname \"{}\" must have 1 to {} characters", spec.hostname, kMaxHostname);
  }
  for (const SandboxMount& mount : spec.mounts) CheckContainerPath(mount.target, "mount target");
}

PlannedMount PlanExtraMount(const SandboxMount& mount) {
  PlannedMount planned;
  planned.target = mount.target;
  if (const auto* bind = std::get_if<BindMount>(&mount.source)) {
    struct stat info {};
    if (bind->source.empty() || bind->source.front() != '/' ||
        stat(bind->source.c_str(), &info) != 0) {
      Fail("sandbox: bind mount source \"{}\" for {} is not an existing absolute path",
           bind->source, mount.target);
    }
    planned.source = bind->source;
    planned.source_is_directory = S_ISDIR(info.st_mode);
    planned.readonly = bind->readonly;
  } else {
    const auto& tmpfs = std::get<TmpfsMount>(mount.source);
    planned.kind = PlannedMount::Kind::kTmpfs;
    planned.tmpfs_options = "mode=1777";
    if (tmpfs.size_bytes > 0) planned.tmpfs_options += fmt::format(",size={}", tmpfs.size_bytes);
  }
  return planned;
}

std::vector<std::string> SplitPath(const std::vector<std::string>& env) {
  std::string path = kDefaultPath;
  for (const std::string& entry : env) {
    if (entry.starts_with("PATH=")) path = entry.substr(5);
  }
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, end - start);
    dirs.push_back(dir.empty() ? "." : dir);  // an empty entry means the working directory
    start = end + 1;
  }
  return dirs;
}

std::vector<char*> NullTerminatedViews(std::vector<std::string>& strings) {
  std::vector<char*> views;
  for (std::string& text : strings) views.push_back(text.data());
  views.push_back(nullptr);
  return views;
}

void PlanMounts(const SandboxSpec& spec, const std::string& etc_dir, ChildPlan& plan) {
  for (const char* name : kEtcFiles) {
    PlannedMount mount;
    mount.target = std::string("/etc/") + name;
    mount.source = etc_dir + "/" + name;
    mount.readonly = true;                 // as BuildKit mounts them
    mount.create_missing_target = false;   // the mount-point base provides them
    plan.mounts.push_back(std::move(mount));
  }
  for (const SandboxMount& mount : spec.mounts) plan.mounts.push_back(PlanExtraMount(mount));
}

void PlanCommand(const SandboxSpec& spec, ChildPlan& plan) {
  plan.argv_storage = spec.argv;
  plan.env_storage = spec.env;
  plan.argv = NullTerminatedViews(plan.argv_storage);
  plan.envp = NullTerminatedViews(plan.env_storage);
  plan.path_dirs = SplitPath(spec.env);
  plan.working_dir = spec.working_dir;
  plan.uid = spec.uid;
  plan.gid = spec.gid;
  plan.groups = spec.supplementary_gids;
  plan.capabilities = spec.capabilities;
  plan.no_new_privileges = spec.no_new_privileges;
}

// Owns the sandbox's PID 1. Destroying it before the run ended kills the
// sandbox and waits for it, so no exception path leaves processes behind.
class SandboxProcess {
 public:
  SandboxProcess(ChildPlan& plan, bool new_network);
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;
  ~SandboxProcess();

  int pidfd() const { return pidfd_.get(); }
  bool reaped() const { return reaped_; }
  /// SIGKILL to PID 1; the kernel then kills everything in its PID namespace.
  void Kill() noexcept;
  /// Reaps PID 1 (blocks until it exited).
  void Reap();

 private:
  UniqueFd pidfd_;
  bool reaped_ = false;
};

// Blocks every signal in this thread for its lifetime: the clone must not run
// this process's signal handlers before it has reset them.
class AllSignalsBlocked {
 public:
  AllSignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~AllSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  AllSignalsBlocked(const AllSignalsBlocked&) = delete;
  AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

 private:
  sigset_t saved_;
};

// Returns once PID 1 has set the sandbox up and started the command (see
// sandbox_child.h), or has failed to.
SandboxProcess::SandboxProcess(ChildPlan& plan, bool new_network) {
  int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
              CLONE_NEWUTS | (new_network ? CLONE_NEWNET : 0) | SIGCHLD;
  char* stack_top = plan.init_stack.get() + ChildPlan::kStackSize;
  int pidfd = -1;
  pid_t pid;
  {
    AllSignalsBlocked blocked;
    pid = clone(sandbox_internal::SandboxInitMain, stack_top, flags, &plan, &pidfd);
  }
  if (pid < 0) FailErrno("sandbox: create the namespaces and PID 1 (clone; needs root)");
  pidfd_.Reset(pidfd);
}

SandboxProcess::~SandboxProcess() {
  if (reaped_) return;
  Kill();
  try {
    Reap();
  } catch (const Error&) {  // nothing left to do about it in a destructor
  }
}

void SandboxProcess::Kill() noexcept {
  syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

void SandboxProcess::Reap() {
  siginfo_t info{};
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd_.get()), &info,
                WEXITED) != 0) {
    if (errno != EINTR) FailErrno("sandbox: wait for PID 1");
  }
  reaped_ = true;
}

// Forwards output until PID 1 is gone and both pipes reached end of file
// (every process of the sandbox is dead by then). Returns whether `cancel` killed it.
bool ForwardOutput(SandboxProcess& process, int stdout_fd, int stderr_fd,
                   const OutputCallback& on_output, const CancelToken* cancel) {
  std::array<int, 2> streams = {stdout_fd, stderr_fd};
  bool killed = false;
  std::vector<char> buffer(64 * 1024);
  while (streams[0] >= 0 || streams[1] >= 0 || !process.reaped()) {
    if (cancel != nullptr && !killed && !process.reaped() && cancel->cancelled()) {
      process.Kill();
      killed = true;
    }
    std::vector<pollfd> fds;
    for (int fd : streams) fds.push_back({fd, POLLIN, 0});  // poll skips negative fds
    fds.push_back({process.reaped() ? -1 : process.pidfd(), POLLIN, 0});
    bool watch_cancel = cancel != nullptr && !killed && !process.reaped();
    fds.push_back({watch_cancel ? cancel->fd() : -1, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;  // a signal handler may have cancelled
      FailErrno("sandbox: poll the command's output");
    }
    for (size_t i = 0; i < streams.size(); ++i) {
      if (fds[i].revents == 0) continue;
      size_t size = ReadSome(streams[i], buffer.data(), buffer.size(), "sandbox output pipe");
      if (size == 0) {
        streams[i] = -1;
      } else if (on_output) {
        on_output(i == 0 ? OutputStream::kStdout : OutputStream::kStderr,
                  std::string_view(buffer.data(), size));
      }
    }
    if (fds[2].revents != 0) process.Reap();
  }
  return killed;
}

std::vector<ChildReport> ReadReports(int fd) {
  std::vector<ChildReport> reports;
  ChildReport report;
  while (ReadSome(fd, &report, sizeof(report), "sandbox report pipe") == sizeof(report)) {
    reports.push_back(report);
  }
  return reports;
}

std::string ExecErrorMessage(const ChildReport& report) {
  std::string path = report.path;
  if (report.searched_path != 0 && report.error == ENOENT) {
    return fmt::format("exec: \"{}\": executable file not found in $PATH", path);
  }
  std::string message = fmt::format("exec: \"{}\": {}", path, std::strerror(report.error));
  if (report.error == ENOENT && report.file_exists != 0) {
    message += " (the file exists: its interpreter or dynamic loader is missing from the rootfs)";
  }
  return message;
}

[[noreturn]] void FailSetupReport(const ChildReport& report) {
  std::string where = report.path[0] != '\0' ? fmt::format(" {}", report.path) : "";
  Fail("sandbox setup failed: {}{}: {}{}", report.step, where, std::strerror(report.error),
       report.error == EPERM ? " (the sandbox needs real root)" : "");
}

SandboxResult ResultFromReports(const std::vector<ChildReport>& reports) {
  for (const ChildReport& report : reports) {
    if (report.kind == ChildReport::kSetupFailed) FailSetupReport(report);
  }
  SandboxResult result;
  for (const ChildReport& report : reports) {
    if (report.kind == ChildReport::kExecFailed) result.start_error = ExecErrorMessage(report);
    if (report.kind != ChildReport::kCommandEnded) continue;
    if (WIFEXITED(report.wait_status)) result.exit_code = WEXITSTATUS(report.wait_status);
    if (WIFSIGNALED(report.wait_status)) result.signal = WTERMSIG(report.wait_status);
    return result;
  }
  Fail("sandbox: PID 1 ended without reporting how the command ended (was it killed from outside?)");
}

}  // namespace

void WriteSandboxEtcFiles(const std::string& hostname, NetworkMode network,
                          const std::string& dir) {
  std::string host_resolv_conf = ReadFileOr("/etc/resolv.conf", "");
  WriteFile(dir + "/hosts", SandboxHostsFile(hostname));
  WriteFile(dir + "/resolv.conf", SandboxResolvConf(host_resolv_conf, network == NetworkMode::kHost));
  WriteFile(dir + "/hostname", SandboxHostnameFile(hostname));
}

std::string SandboxResult::Describe() const {
  if (cancelled) return "cancelled";
  if (signal != 0) {
    const char* name = sigdescr_np(signal);
    return fmt::format("killed by signal {} ({})", signal, name != nullptr ? name : "unknown");
  }
  if (!start_error.empty()) return fmt::format("{} (exit code {})", start_error, exit_code);
  return fmt::format("exit code {}", exit_code);
}

SandboxResult RunInSandbox(const SandboxSpec& spec, const OutputCallback& on_output,
                           const CancelToken* cancel) {
  CheckSpec(spec);
  std::optional<TempDir> own_etc_dir;
  if (spec.etc_dir.empty()) {
    own_etc_dir.emplace("imgbuild-sandbox-");
    WriteSandboxEtcFiles(spec.hostname, spec.network, own_etc_dir->path());
  }
  const std::string& etc_dir = spec.etc_dir.empty() ? own_etc_dir->path() : spec.etc_dir;
  UniqueFd dev_null = OpenOrThrow("/dev/null", O_RDONLY);
  Pipe out = MakePipe("stdout");
  Pipe err = MakePipe("stderr");
  Pipe report = MakePipe("report");

  ChildPlan plan;
  plan.stdin_fd = dev_null.get();
  plan.stdout_fd = out.write.get();
  plan.stderr_fd = err.write.get();
  plan.report_fd = report.write.get();
  plan.init_program_fd = sandbox_internal::SandboxInitExecutable();
  plan.rootfs = spec.rootfs;
  plan.hostname = spec.hostname;
  plan.new_network = spec.network == NetworkMode::kNone;
  PlanMounts(spec, etc_dir, plan);
  PlanCommand(spec, plan);

  SandboxProcess process(plan, plan.new_network);
  // Only the sandbox may hold the write ends, so end of file means it is gone.
  out.write.Reset();
  err.write.Reset();
  report.write.Reset();
  bool cancelled = ForwardOutput(process, out.read.get(), err.read.get(), on_output, cancel);
  if (cancelled) {
    SandboxResult result;
    result.cancelled = true;
    return result;
  }
  return ResultFromReports(ReadReports(report.read.get()));
}

}  // namespace imgbuild::builder
