// The process half of the sandbox's PID 1 and of the command it starts (see
// sandbox_child.h for why nothing here allocates).
#include "builder/sandbox_child.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "builder/capabilities.h"

namespace imgbuild::builder::sandbox_internal {
namespace {

// Exit status of a sandbox process that failed before exec; its report says why.
constexpr int kSetupFailedStatus = 125;
constexpr int kArrangedFds = 5;  // stdin, stdout, stderr, report, init program

void CopyTruncated(char* destination, size_t capacity, const char* source) noexcept {
  size_t length = std::strlen(source);
  if (length >= capacity) length = capacity - 1;
  std::memcpy(destination, source, length);
  destination[length] = '\0';
}

void SendReport(const ChildReport& report) noexcept {
  // Best effort: if the parent is gone there is nobody left to tell.
  [[maybe_unused]] ssize_t ignored = write(kReportFd, &report, sizeof(report));
}

// The parent blocked every signal around clone; handlers it installed would
// run its code here, and ignored signals would stay ignored across exec.
void ResetSignals() noexcept {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    sigaction(signal_number, &default_action, nullptr);  // fails harmlessly for KILL/STOP
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Moves the descriptors the sandbox needs to 0..4 and closes every other one
// the clone inherited (other builds' pipes, store files, sockets).
void ArrangeDescriptors(const ChildPlan& plan) noexcept {
  const int wanted[kArrangedFds] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd,
                                    plan.report_fd, plan.init_program_fd};
  int high[kArrangedFds];
  for (int i = 0; i < kArrangedFds; ++i) {
    high[i] = fcntl(wanted[i], F_DUPFD, 16);  // above 0..4, so dup2 below cannot clobber
    if (high[i] < 0) _exit(kSetupFailedStatus);
  }
  for (int i = 0; i < kArrangedFds; ++i) {
    if (dup2(high[i], i) != i) _exit(kSetupFailedStatus);
  }
  if (close_range(kArrangedFds, ~0U, 0) != 0) FailSetup("close inherited descriptors", "");
  // The init program is executed through this descriptor and needs no copy.
  if (fcntl(kInitProgramFd, F_SETFD, FD_CLOEXEC) != 0) FailSetup("mark the init memfd", "");
}

// If imgbuild dies (even by SIGKILL), the sandbox dies with it. The parent
// may have died before the prctl took effect; then nobody reads the report
// pipe any more, which poll reports as POLLERR on its write end.
void DieWithParent() noexcept {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) FailSetup("set the parent-death signal", "");
  pollfd report{kReportFd, POLLOUT, 0};
  if (poll(&report, 1, 0) == 1 && (report.revents & POLLERR) != 0) _exit(kSetupFailedStatus);
}

void SetHostname(const ChildPlan& plan) noexcept {
  if (sethostname(plan.hostname.c_str(), plan.hostname.size()) != 0) {
    FailSetup("sethostname", plan.hostname.c_str());
  }
}

void BringLoopbackUp() noexcept {
  int socket_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) FailSetup("socket for configuring lo", "lo");
  ifreq request{};
  CopyTruncated(request.ifr_name, sizeof(request.ifr_name), "lo");
  if (ioctl(socket_fd, SIOCGIFFLAGS, &request) != 0) FailSetup("read flags of lo", "lo");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
  if (ioctl(socket_fd, SIOCSIFFLAGS, &request) != 0) FailSetup("bring lo up", "lo");
  close(socket_fd);
}

void DropPrivileges(const ChildPlan& plan) noexcept {
  if (int error = RestrictBoundingSet(plan.capabilities); error != 0) {
    errno = error;
    FailSetup("restrict the capability bounding set", "");
  }
  if (setgroups(plan.groups.size(), plan.groups.data()) != 0) FailSetup("setgroups", "");
  if (setresgid(plan.gid, plan.gid, plan.gid) != 0) FailSetup("setgid", "");
  if (setresuid(plan.uid, plan.uid, plan.uid) != 0) FailSetup("setuid", "");
  if (int error = RestrictProcessCapabilities(plan.capabilities); error != 0) {
    errno = error;
    FailSetup("restrict capabilities", "");
  }
  if (plan.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    FailSetup("set no_new_privs", "");
  }
}

[[noreturn]] void FailExec(const char* path, int error, bool searched_path) noexcept {
  ChildReport report;
  report.kind = ChildReport::kExecFailed;
  report.error = error;
  report.searched_path = searched_path ? 1 : 0;
  report.file_exists = access(path, F_OK) == 0 ? 1 : 0;
  CopyTruncated(report.path, sizeof(report.path), path);
  SendReport(report);
  _exit(error == ENOENT ? 127 : 126);  // the shell's (and Docker's) codes
}

// execvp with the sandbox's own $PATH (the host's is irrelevant here).
[[noreturn]] void ExecCommand(const ChildPlan& plan) noexcept {
  const char* file = plan.argv[0];
  if (std::strchr(file, '/') != nullptr) {
    execve(file, plan.argv.data(), plan.envp.data());
    FailExec(file, errno, false);
  }
  char candidate[PATH_MAX];
  size_t file_length = std::strlen(file);
  int error = ENOENT;
  for (const std::string& dir : plan.path_dirs) {
    if (dir.size() + 1 + file_length >= sizeof(candidate)) continue;
    std::memcpy(candidate, dir.data(), dir.size());
    candidate[dir.size()] = '/';
    std::memcpy(candidate + dir.size() + 1, file, file_length + 1);
    execve(candidate, plan.argv.data(), plan.envp.data());
    if (errno == EACCES) {
      error = EACCES;  // keep looking, like execvp; report it if nothing else runs
    } else if (errno == ENOENT && access(candidate, F_OK) == 0) {
      FailExec(candidate, ENOENT, false);  // exists, but its interpreter does not
    } else if (errno != ENOENT && errno != ENOTDIR) {
      FailExec(candidate, errno, false);
    }
  }
  FailExec(file, error, error == ENOENT);
}

int CommandMain(void* opaque_plan) noexcept {
  const auto& plan = *static_cast<const ChildPlan*>(opaque_plan);
  // The command reports through the pipe until its exec succeeds; PID 1 keeps both.
  if (fcntl(kReportFd, F_SETFD, FD_CLOEXEC) != 0) FailSetup("mark the report pipe", "");
  setsid();  // its own session: no terminal signals from the host's job control
  umask(022);
  DropPrivileges(plan);
  if (chdir(plan.working_dir.c_str()) != 0) FailSetup("chdir", plan.working_dir.c_str());
  ExecCommand(plan);
}

// Returns once the command has exec'd (or failed to): CLONE_VFORK suspends
// PID 1 until then, and CLONE_VM spares copying the address space.
pid_t StartCommand(ChildPlan& plan) noexcept {
  char* stack_top = plan.command_stack.get() + ChildPlan::kStackSize;
  pid_t command = clone(CommandMain, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  if (command < 0) FailSetup("start the command", plan.argv[0]);
  return command;
}

// Replaces PID 1's borrowed image with the init program, which waits for
// `command` and reaps orphans; this also lets the parent thread continue.
[[noreturn]] void ExecInitProgram(pid_t command) noexcept {
  char pid_text[16];
  char* digit = pid_text + sizeof(pid_text) - 1;
  *digit = '\0';
  do {
    *--digit = static_cast<char>('0' + command % 10);
    command /= 10;
  } while (command > 0);
  char name[] = "imgbuild-init";
  char* argv[] = {name, digit, nullptr};
  char* envp[] = {nullptr};
  syscall(SYS_execveat, kInitProgramFd, "", argv, envp, AT_EMPTY_PATH);
  FailSetup("exec the sandbox's init program", "");
}

}  // namespace

[[noreturn]] void FailSetup(const char* step, const char* path) noexcept {
  ChildReport report;
  report.kind = ChildReport::kSetupFailed;
  report.error = errno;
  CopyTruncated(report.step, sizeof(report.step), step);
  CopyTruncated(report.path, sizeof(report.path), path);
  SendReport(report);
  _exit(kSetupFailedStatus);
}

int SandboxInitMain(void* opaque_plan) noexcept {
  auto& plan = *static_cast<ChildPlan*>(opaque_plan);
  ResetSignals();
  ArrangeDescriptors(plan);
  DieWithParent();
  setsid();
  umask(0);  // modes below are meant literally
  MakeMountsPrivate();
  OpenBindSources(plan);
  PivotInto(plan.rootfs.c_str());
  MountProc();
  MountSys();
  MountDev();
  AttachPlannedMounts(plan);
  MaskPaths();
  MakePathsReadonly();
  SetHostname(plan);
  if (plan.new_network) BringLoopbackUp();
  MakeDirectories(plan.working_dir.c_str());  // runc creates a missing cwd as root, 0755
  ExecInitProgram(StartCommand(plan));
}

}  // namespace imgbuild::builder::sandbox_internal
