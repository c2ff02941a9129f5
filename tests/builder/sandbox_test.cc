#include "builder/sandbox.h"

#include <dirent.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <csignal>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "builder/overlay_mount.h"
#include "tests/builder/sandbox_fixtures.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using test_support::BusyboxRootfs;
using test_support::IsMountPoint;
using test_support::ListTree;
using test_support::MountinfoMentions;
using test_support::ReadTextFile;
using test_support::WriteTextFile;
using ::testing::HasSubstr;
using ::testing::Not;

struct Captured {
  SandboxResult result;
  std::string out;
  std::string err;
};

Captured RunCaptured(const SandboxSpec& spec, const CancelToken* cancel = nullptr) {
  Captured captured;
  captured.result = RunInSandbox(
      spec,
      [&](OutputStream stream, std::string_view chunk) {
        (stream == OutputStream::kStdout ? captured.out : captured.err).append(chunk);
      },
      cancel);
  return captured;
}

// PIDs (in our namespace) of processes whose environment contains `marker`.
std::vector<int> ProcessesWithMarker(const std::string& marker) {
  std::vector<int> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadTextFile("/proc/" + name + "/environ").find(marker) != std::string::npos) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

// Points $TMPDIR, where the sandbox keeps its /etc files, at a private empty
// directory while it lives, so a test can check that a run left nothing there.
class PrivateTmpdir {
 public:
  PrivateTmpdir() {
    const char* previous = std::getenv("TMPDIR");
    if (previous != nullptr) previous_ = previous;
    setenv("TMPDIR", dir_.path().c_str(), 1);
  }
  ~PrivateTmpdir() {
    if (previous_) {
      setenv("TMPDIR", previous_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }
  std::vector<std::string> Leftovers() const { return ListTree(dir_.path()); }

 private:
  TempDir dir_{"imgbuild-tmpdir-"};
  std::optional<std::string> previous_;
};

// Waits up to two seconds for `condition`.
template <typename Condition>
bool Eventually(Condition condition) {
  for (int i = 0; i < 200; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

double MillisecondsSince(steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(steady_clock::now() - start).count();
}

// Each test gets an overlay of: a small "image" layer, the shared busybox
// rootfs (no /etc, /dev, /proc, /sys, /tmp) and the mount-point base.
class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IMGBUILD_ASSERT_ROOT();
    std::string image = Dir("image");
    std::filesystem::create_directories(image + "/data");
    std::filesystem::create_directories(image + "/dir");
    WriteTextFile(image + "/data/keep", "keep\n");
    WriteTextFile(image + "/data/modify", "original\n");
    WriteTextFile(image + "/data/delete", "delete\n");
    WriteTextFile(image + "/dir/old", "old\n");
    WriteTextFile(image + "/data/not-executable", "#!/bin/sh\n");
    CreateMountPointBase(Dir("base"), {"/cache"});
    layout_ = OverlayLayout{{image, BusyboxRootfs::Shared().path(), Dir("base")},
                            Dir("upper"),
                            Dir("work"),
                            Dir("merged")};
    mount_.emplace(layout_);
  }

  std::string Dir(const std::string& name) {
    std::string path = scratch_.path() + "/" + name;
    std::filesystem::create_directories(path);
    return path;
  }

  SandboxSpec Spec(std::vector<std::string> argv) {
    SandboxSpec spec;
    spec.rootfs = layout_.target;
    spec.argv = std::move(argv);
    spec.env = {"PATH=/bin", "MARKER=" + marker_};
    spec.network = NetworkMode::kNone;
    return spec;
  }

  SandboxSpec Shell(const std::string& script) { return Spec({"sh", "-c", script}); }

  TempDir scratch_{"imgbuild-sandbox-test-"};
  OverlayLayout layout_;
  std::optional<OverlayMount> mount_;
  // Identifies this test's sandboxed processes in /proc/<pid>/environ.
  std::string marker_ = fmt::format("imgbuild-test-{}-{}", getpid(), steady_clock::now().time_since_epoch().count());
};

TEST_F(SandboxTest, CapturesStdoutAndStderrSeparately) {
  Captured run = RunCaptured(Shell("echo to-out; echo to-err >&2; echo more-out"));
  EXPECT_TRUE(run.result.Succeeded()) << run.result.Describe();
  EXPECT_EQ(run.result.exit_code, 0);
  EXPECT_EQ(run.out, "to-out\nmore-out\n");
  EXPECT_EQ(run.err, "to-err\n");
}

TEST_F(SandboxTest, DeliversOutputAsItArrives) {
  std::vector<std::pair<std::string, steady_clock::time_point>> chunks;
  RunInSandbox(Shell("echo first; sleep 0.3; echo second"),
               [&](OutputStream, std::string_view chunk) {
                 chunks.emplace_back(std::string(chunk), steady_clock::now());
               });
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].first, "first\n");
  EXPECT_GE(chunks[1].second - chunks[0].second, milliseconds(200));
}

TEST_F(SandboxTest, ForwardsLargeOutputAndRunsConcurrently) {
  auto run = [&](const std::string& word) {
    return RunCaptured(Shell("yes " + word + " | head -c 1000000; echo done >&2"));
  };
  auto first = std::async(std::launch::async, run, "first");
  auto second = std::async(std::launch::async, run, "second");
  for (auto [future, line] : {std::pair{&first, "first\n"}, std::pair{&second, "second\n"}}) {
    Captured captured = future->get();
    EXPECT_TRUE(captured.result.Succeeded()) << captured.result.Describe();
    ASSERT_EQ(captured.out.size(), 1000000u);
    EXPECT_EQ(captured.out.substr(0, 2 * std::strlen(line)), std::string(line) + line);
    EXPECT_EQ(captured.out.find(line == std::string("first\n") ? "second" : "first"),
              std::string::npos);
    EXPECT_EQ(captured.err, "done\n");
  }
}

TEST_F(SandboxTest, ReportsExitCodesAndSignals) {
  Captured exited = RunCaptured(Shell("exit 3"));
  EXPECT_EQ(exited.result.exit_code, 3);
  EXPECT_EQ(exited.result.Describe(), "exit code 3");
  Captured killed = RunCaptured(Shell("kill -9 $$"));
  EXPECT_EQ(killed.result.signal, SIGKILL);
  EXPECT_FALSE(killed.result.Succeeded());
  EXPECT_EQ(killed.result.Describe(), "killed by signal 9 (Killed)");
}

TEST_F(SandboxTest, MissingCommandExits127LikeDocker) {
  Captured missing = RunCaptured(Spec({"no-such-tool", "arg"}));
  EXPECT_EQ(missing.result.exit_code, 127);
  EXPECT_EQ(missing.result.start_error, "exec: \"no-such-tool\": executable file not found in $PATH");
  EXPECT_THAT(missing.result.Describe(), HasSubstr("no-such-tool"));

  Captured missing_path = RunCaptured(Spec({"/bin/nope"}));
  EXPECT_EQ(missing_path.result.exit_code, 127);
  EXPECT_EQ(missing_path.result.start_error, "exec: \"/bin/nope\": No such file or directory");

  Captured not_executable = RunCaptured(Spec({"/data/not-executable"}));
  EXPECT_EQ(not_executable.result.exit_code, 126);
  EXPECT_THAT(not_executable.result.start_error, HasSubstr("Permission denied"));
}

TEST_F(SandboxTest, PassesEnvironmentAndCreatesWorkingDirectory) {
  SandboxSpec spec = Shell("echo \"$GREETING\"; pwd; env | sort");
  spec.env.push_back("GREETING=hello world");
  spec.working_dir = "/work/sub";
  Captured run = RunCaptured(spec);
  EXPECT_EQ(run.out, "hello world\n/work/sub\nGREETING=hello world\nMARKER=" + marker_ +
                         "\nPATH=/bin\nPWD=/work/sub\nSHLVL=1\n");
  struct stat info {};
  ASSERT_EQ(stat((layout_.upper + "/work/sub").c_str(), &info), 0);  // part of the layer, as with runc
  EXPECT_EQ(info.st_uid, 0u);
  EXPECT_EQ(info.st_gid, 0u);
  EXPECT_EQ(info.st_mode & 07777, 0755u);
}

TEST_F(SandboxTest, RunsAsTheGivenUserAndGroups) {
  SandboxSpec spec = Spec({"id"});
  spec.uid = 1000;
  spec.gid = 1001;
  spec.supplementary_gids = {20, 30};
  EXPECT_EQ(RunCaptured(spec).out, "uid=1000 gid=1001 groups=20,30\n");
  EXPECT_EQ(RunCaptured(Spec({"id"})).out, "uid=0 gid=0\n");  // no groups unless given
}

TEST_F(SandboxTest, HasItsOwnHostnameAndEtcFiles) {
  Captured run = RunCaptured(Shell("hostname; cat /etc/hostname /etc/hosts; echo x >> /etc/hosts"));
  EXPECT_EQ(run.out,
            "buildkitsandbox\nbuildkitsandbox\n127.0.0.1\tlocalhost buildkitsandbox\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n");
  EXPECT_THAT(run.err, HasSubstr("Read-only file system"));

  SandboxSpec spec = Shell("hostname; cat /etc/resolv.conf");
  spec.hostname = "builder-7";
  Captured custom = RunCaptured(spec);
  EXPECT_THAT(custom.out, ::testing::StartsWith("builder-7\n"));
  EXPECT_THAT(custom.out, HasSubstr("nameserver "));
  EXPECT_THAT(custom.out, Not(HasSubstr("nameserver 127.")));
}

TEST_F(SandboxTest, RunsInItsOwnPidNamespaceAndReapsOrphans) {
  // The orphaned sleep exits after 0.1 s; PID 1 must reap it, or it stays a zombie.
  Captured run = RunCaptured(Shell("echo $$; (sleep 0.1 &); sleep 0.4; ps -o pid,comm; "
                                   "cat /proc/[0-9]*/stat | grep ' Z ' || echo no-zombies"));
  EXPECT_THAT(run.out, ::testing::StartsWith("2\n"));
  EXPECT_THAT(run.out, HasSubstr("    1 imgbuild-init\n"));
  EXPECT_THAT(run.out, HasSubstr("    2 sh\n"));
  EXPECT_THAT(run.out, HasSubstr("no-zombies"));
  std::string ps = run.out.substr(run.out.find("PID"));
  EXPECT_EQ(std::count(ps.begin(), ps.end(), '\n'), 5) << "ps sees only the sandbox:\n" << ps;
  // The init shows nothing of the host process it was cloned from.
  Captured cmdline = RunCaptured(Shell("tr '\\0' ' ' < /proc/1/cmdline"));
  EXPECT_THAT(cmdline.out, ::testing::StartsWith("imgbuild-init"));
  EXPECT_THAT(cmdline.out, Not(HasSubstr("sandbox_test")));
  EXPECT_THAT(cmdline.out, Not(HasSubstr("builder_tests")));
}

TEST_F(SandboxTest, NetworkNoneHasOnlyLoopbackUp) {
  Captured run = RunCaptured(Shell("tail -n +3 /proc/net/dev | cut -d: -f1; ip link; "
                                   "ping -c1 -W1 127.0.0.1 >/dev/null && echo ping-ok"));
  EXPECT_THAT(run.out, ::testing::StartsWith("    lo\n1: lo: <LOOPBACK,UP,LOWER_UP>"));
  EXPECT_THAT(run.out, Not(HasSubstr("2: ")));
  EXPECT_THAT(run.out, HasSubstr("ping-ok"));

  SandboxSpec host = Shell("tail -n +3 /proc/net/dev | wc -l");
  host.network = NetworkMode::kHost;
  std::string host_dev = ReadTextFile("/proc/net/dev");
  long host_interfaces = std::count(host_dev.begin(), host_dev.end(), '\n') - 2;
  EXPECT_EQ(RunCaptured(host).out, std::to_string(host_interfaces) + "\n");
}

TEST_F(SandboxTest, RootGetsDockersDefaultCapabilities) {
  Captured run = RunCaptured(Shell("grep -E '^(Cap|NoNewPrivs)' /proc/self/status"));
  EXPECT_EQ(run.out,
            "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
            "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n");
}

TEST_F(SandboxTest, NonRootUserHasNoEffectiveCapabilities) {
  SandboxSpec spec = Shell("grep Cap /proc/self/status");
  spec.uid = 1000;
  spec.gid = 1000;
  EXPECT_EQ(RunCaptured(spec).out,
            "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
            "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
}

TEST_F(SandboxTest, MasksRuncsMaskedPaths) {
  // Prints "<path> <bytes or entries>" for every masked path this kernel has.
  Captured run = RunCaptured(Shell(
      "for p in /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list "
      "/proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware "
      "/sys/devices/virtual/powercap; do "
      "if [ -d $p ]; then echo \"$p $(ls -A $p | wc -l)\"; "
      "elif [ -e $p ]; then echo \"$p $(cat $p | wc -c)\"; fi; done"));
  std::string expected;
  for (const char* path : {"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                           "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                           "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"}) {
    if (std::filesystem::exists(path)) expected += fmt::format("{} 0\n", path);
  }
  EXPECT_EQ(run.out, expected);
  EXPECT_THAT(expected, HasSubstr("/proc/timer_list 0\n")) << "a masked path this kernel has";
  EXPECT_GT(ReadTextFile("/proc/timer_list").size(), 0u) << "the host's is readable";
}

TEST_F(SandboxTest, ProcSysIsReadOnlyAndSysIsReadOnly) {
  Captured run = RunCaptured(Shell("echo other > /proc/sys/kernel/hostname; touch /sys/x; "
                                   "echo 1 > /proc/sysrq-trigger; hostname"));
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 3) << run.err;
  EXPECT_THAT(run.err, Not(HasSubstr("Permission denied")));
  EXPECT_EQ(run.out, "buildkitsandbox\n");
}

TEST_F(SandboxTest, ProvidesAMinimalDev) {
  Captured run = RunCaptured(Shell(
      "ls -A /dev | tr '\\n' ' '; echo; echo x > /dev/null && echo null-ok; "
      "head -c 4 /dev/zero | wc -c; echo x > /dev/full || true; "
      "readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; touch /dev/shm/f && echo shm-ok; "
      "grep -c ' /dev/pts .* devpts ' /proc/self/mountinfo; cat < /dev/stdin; echo stdin-empty"));
  EXPECT_EQ(run.out,
            "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
            "null-ok\n4\n/proc/self/fd\n/proc/self/fd/0\npts/ptmx\nshm-ok\n1\nstdin-empty\n");
  EXPECT_THAT(run.err, HasSubstr("No space left on device"));
}

TEST_F(SandboxTest, UpperHoldsOnlyTheCommandsChanges) {
  Captured run = RunCaptured(Shell(
      "echo new > /data/new && echo changed > /data/modify && rm /data/delete && "
      "rm -r /dir && mkdir /dir && touch /dir/fresh && cat /etc/hosts /proc/self/status "
      "> /dev/null && ls / /dev /proc /sys > /dev/null"));
  ASSERT_TRUE(run.result.Succeeded()) << run.result.Describe() << run.err;

  EXPECT_EQ(ListTree(layout_.upper), (std::vector<std::string>{"data", "data/delete",
                                                                "data/modify", "data/new", "dir",
                                                                "dir/fresh"}));
  EXPECT_EQ(ReadTextFile(layout_.upper + "/data/modify"), "changed\n");
  struct stat whiteout {};
  ASSERT_EQ(lstat((layout_.upper + "/data/delete").c_str(), &whiteout), 0);
  EXPECT_TRUE(S_ISCHR(whiteout.st_mode));
  EXPECT_EQ(whiteout.st_rdev, makedev(0, 0));
  char opaque[8] = {};
  EXPECT_EQ(lgetxattr((layout_.upper + "/dir").c_str(), "trusted.overlay.opaque", opaque,
                      sizeof(opaque)),
            1);
  EXPECT_EQ(opaque[0], 'y');
}

TEST_F(SandboxTest, TrueOverAnImageWithoutEtcLeavesUpperEmpty) {
  SandboxSpec spec = Spec({"true"});
  spec.mounts.push_back({"/cache", TmpfsMount{}});  // its target comes from the base
  for (NetworkMode network : {NetworkMode::kNone, NetworkMode::kHost}) {
    spec.network = network;
    ASSERT_TRUE(RunCaptured(spec).result.Succeeded());
  }
  EXPECT_FALSE(std::filesystem::exists(BusyboxRootfs::Shared().path() + "/etc"));
  EXPECT_EQ(ListTree(layout_.upper), std::vector<std::string>{});
}

TEST_F(SandboxTest, AppliesBindAndTmpfsMounts) {
  std::string shared = Dir("shared");
  WriteTextFile(shared + "/input", "from host\n");
  std::string output = Dir("output");
  SandboxSpec spec = Shell(
      "cat /in/input; echo x > /in/x; echo result > /out/result; "
      "echo scratch > /scratch/f; grep ' /scratch ' /proc/self/mountinfo | grep -o 'size=[0-9]*k'");
  spec.mounts = {{"/in", BindMount{shared}},
                 {"/out", BindMount{output, /*readonly=*/false}},
                 {"/scratch", TmpfsMount{1 << 20}}};
  Captured run = RunCaptured(spec);
  EXPECT_EQ(run.out, "from host\nsize=1024k\n");
  EXPECT_THAT(run.err, HasSubstr("Read-only file system"));
  EXPECT_EQ(ReadTextFile(output + "/result"), "result\n");
  // Missing targets are created (as stubs in the upper dir); mounted content is not.
  EXPECT_EQ(ListTree(layout_.upper), (std::vector<std::string>{"in", "out", "scratch"}));
}

TEST_F(SandboxTest, SetupFailureNamesTheStep) {
  PrivateTmpdir tmpdir;
  // The bare busybox rootfs lacks the mount-point base: there is no /proc to mount on.
  SandboxSpec spec = Spec({"true"});
  spec.rootfs = BusyboxRootfs::Shared().path();
  try {
    RunInSandbox(spec, nullptr);
    ADD_FAILURE() << "ran without /proc";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "sandbox setup failed: mount proc /proc: No such file or directory");
  }
  EXPECT_FALSE(std::filesystem::exists(BusyboxRootfs::Shared().path() + "/proc"));
  EXPECT_THROW(RunInSandbox(Spec({}), nullptr), Error);
  EXPECT_EQ(tmpdir.Leftovers(), std::vector<std::string>{});
}

// Cancels when a failed assertion leaves the test early, so that the
// std::future waiting for the sandbox can finish. Declare it after the future.
struct CancelOnExit {
  CancelToken& token;
  ~CancelOnExit() { token.Cancel(); }
};

TEST_F(SandboxTest, CancelKillsEverythingPromptly) {
  PrivateTmpdir tmpdir;
  CancelToken cancel;
  auto run = std::async(std::launch::async, [&] {
    return RunCaptured(Shell("sleep 1000 & sleep 1000"), &cancel);
  });
  CancelOnExit guard{cancel};
  // sh forks one sleep and execs into the other.
  ASSERT_TRUE(Eventually([&] { return ProcessesWithMarker(marker_).size() == 2; }));
  steady_clock::time_point start = steady_clock::now();
  cancel.Cancel();
  ASSERT_EQ(run.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_LT(MillisecondsSince(start), 1000);
  EXPECT_TRUE(run.get().result.cancelled);
  EXPECT_EQ(ProcessesWithMarker(marker_), std::vector<int>{});
  mount_->Unmount();  // throws if anything still used the overlay
  EXPECT_FALSE(MountinfoMentions(scratch_.path()));
  EXPECT_EQ(tmpdir.Leftovers(), std::vector<std::string>{});
}

CancelToken* signal_cancel_token = nullptr;
extern "C" void CancelOnSignal(int) { signal_cancel_token->Cancel(); }

TEST_F(SandboxTest, SignalHandlerCanCancel) {
  CancelToken cancel;
  signal_cancel_token = &cancel;
  struct sigaction action {}, previous {};
  action.sa_handler = CancelOnSignal;
  sigaction(SIGTERM, &action, &previous);
  auto run = std::async(std::launch::async, [&] { return RunCaptured(Spec({"sleep", "1000"}), &cancel); });
  CancelOnExit guard{cancel};
  ASSERT_TRUE(Eventually([&] { return ProcessesWithMarker(marker_).size() == 1; }));
  kill(getpid(), SIGTERM);
  ASSERT_EQ(run.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  sigaction(SIGTERM, &previous, nullptr);
  EXPECT_TRUE(run.get().result.cancelled);
  EXPECT_EQ(ProcessesWithMarker(marker_), std::vector<int>{});
}

TEST_F(SandboxTest, DiesWithTheProcessThatStartedIt) {
  PrivateTmpdir tmpdir;  // the killed runner cannot remove its temp dir; this one goes anyway
  pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    RunInSandbox(Spec({"sleep", "1000"}), nullptr);
    _exit(0);
  }
  ASSERT_TRUE(Eventually([&] { return ProcessesWithMarker(marker_).size() == 1; }));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(Eventually([&] { return ProcessesWithMarker(marker_).empty(); }));
}

TEST_F(SandboxTest, BackgroundProcessDoesNotOutliveTheCommand) {
  steady_clock::time_point start = steady_clock::now();
  Captured run = RunCaptured(Shell("sleep 1000 & echo started"));
  EXPECT_LT(MillisecondsSince(start), 1000);
  EXPECT_TRUE(run.result.Succeeded());
  EXPECT_EQ(run.out, "started\n");
  EXPECT_EQ(ProcessesWithMarker(marker_), std::vector<int>{});
  mount_->Unmount();
}

TEST_F(SandboxTest, CallbackExceptionKillsTheSandbox) {
  PrivateTmpdir tmpdir;
  EXPECT_THROW(RunInSandbox(Shell("echo hi; sleep 1000"),
                            [](OutputStream, std::string_view) { Fail("stop"); }),
               Error);
  EXPECT_EQ(ProcessesWithMarker(marker_), std::vector<int>{});
  EXPECT_EQ(tmpdir.Leftovers(), std::vector<std::string>{});
}

double CpuMilliseconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage usage{};
    getrusage(who, &usage);
    for (const timeval& time : {usage.ru_utime, usage.ru_stime}) {
      total += static_cast<double>(time.tv_sec) * 1e3 + static_cast<double>(time.tv_usec) / 1e3;
    }
  }
  return total;
}

struct Cost {
  double wall_mean = 0;    // milliseconds per run
  double wall_median = 0;
  double cpu_mean = 0;     // this process and its reaped children
};

template <typename Body>
Cost Measure(int runs, Body body) {
  std::vector<double> walls;
  double cpu_start = CpuMilliseconds();
  for (int i = 0; i < runs; ++i) {
    steady_clock::time_point start = steady_clock::now();
    body(i);
    walls.push_back(MillisecondsSince(start));
  }
  Cost cost;
  cost.cpu_mean = (CpuMilliseconds() - cpu_start) / runs;
  for (double wall : walls) cost.wall_mean += wall / runs;
  std::sort(walls.begin(), walls.end());
  cost.wall_median = walls[walls.size() / 2];
  return cost;
}

// The project's goal: a RUN costs under 30 ms more than its command. Measured
// for `true`: overlay mount + namespaces + exec + teardown, against spawning
// busybox `true` directly. Wall time depends on the machine's load, so the
// assertion is on CPU time; both are printed.
TEST_F(SandboxTest, OverheadOfTrueIsUnder30Milliseconds) {
  constexpr int kRuns = 50;
  Cost direct = Measure(kRuns, [](int) {
    pid_t pid = 0;
    char* argv[] = {const_cast<char*>("true"), nullptr};
    ASSERT_EQ(posix_spawn(&pid, test_support::kBusybox, nullptr, nullptr, argv, environ), 0);
    int status = 0;
    waitpid(pid, &status, 0);
  });
  Cost sandboxed = Measure(kRuns, [&](int i) {
    std::string run_dir = Dir(fmt::format("run-{}", i));
    OverlayLayout layout = layout_;
    layout.upper = Dir(fmt::format("run-{}/upper", i));
    layout.work = Dir(fmt::format("run-{}/work", i));
    layout.target = Dir(fmt::format("run-{}/merged", i));
    OverlayMount mount(layout);
    SandboxSpec spec = Spec({"true"});
    spec.rootfs = layout.target;
    ASSERT_TRUE(RunInSandbox(spec, nullptr).Succeeded());
    mount.Unmount();
    RemoveAll(run_dir);
  });
  std::printf(
      "sandbox overhead for `true` over %d runs: wall %.2f ms mean, %.2f ms median; cpu %.2f ms\n"
      "  sandboxed: wall %.2f ms mean, %.2f ms median, cpu %.2f ms\n"
      "  direct:    wall %.2f ms mean, %.2f ms median, cpu %.2f ms\n",
      kRuns, sandboxed.wall_mean - direct.wall_mean, sandboxed.wall_median - direct.wall_median,
      sandboxed.cpu_mean - direct.cpu_mean, sandboxed.wall_mean, sandboxed.wall_median,
      sandboxed.cpu_mean, direct.wall_mean, direct.wall_median, direct.cpu_mean);
  RecordProperty("wall_overhead_ms", fmt::format("{:.2f}", sandboxed.wall_mean - direct.wall_mean));
  RecordProperty("cpu_overhead_ms", fmt::format("{:.2f}", sandboxed.cpu_mean - direct.cpu_mean));
  EXPECT_LT(sandboxed.cpu_mean - direct.cpu_mean, 30.0);
}

}  // namespace
}  // namespace imgbuild::builder
