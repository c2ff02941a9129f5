// `imgbuild build` as users run it: the built binary with a temporary
// --root, its outputs read back by skopeo and umoci, and SIGTERM in the
// middle of a RUN.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/builder/build_fixtures.h"
#include "tests/layers/store_testing.h"
#include "util/dir.h"
#include "util/fd.h"

namespace imgbuild::builder {
namespace {

using layers::store_testing::CommandResult;
using layers::store_testing::HaveTool;
using layers::store_testing::RunCommand;
using test_support::ReadTextFile;
using test_support::WriteTextFile;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";

// PIDs of processes whose command line is exactly `argv` joined by NULs.
std::vector<int> ProcessesRunning(const std::string& cmdline) {
  std::vector<int> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadTextFile("/proc/" + name + "/cmdline") == cmdline) pids.push_back(std::stoi(name));
  }
  return pids;
}

template <typename Condition>
bool Within(std::chrono::seconds limit, Condition condition) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class BuildCommandTest : public test_support::BuildFixture {
 protected:
  void SetUp() override {
    BuildFixture::SetUp();
    ASSERT_TRUE(std::filesystem::exists(kImgbuild)) << kImgbuild << " is not built";
    std::filesystem::create_directories(tmpdir_);
  }

  // Runs `imgbuild build ARGS --root STORE CONTEXT` with TMPDIR private.
  CommandResult Build(const std::string& args) {
    return RunCommand("TMPDIR='" + tmpdir_ + "' " + kImgbuild + " build --progress plain --root '" +
                      store_.root() + "' " + args + " '" + context() + "'");
  }

  // Nothing of a finished build may stay: work dirs, leases, temp files,
  // mounts, files in TMPDIR; and the store checks out.
  void ExpectCleanStore() {
    EXPECT_THAT(ListDirectorySorted(store_.MetadataDir() + "/snapshots/.work"), IsEmpty());
    EXPECT_THAT(ListDirectorySorted(store_.MetadataDir() + "/leases"), IsEmpty());
    EXPECT_THAT(store_.ListTempFiles(), IsEmpty());
    EXPECT_THAT(ListDirectorySorted(tmpdir_), IsEmpty());
    std::string mounts = ReadTextFile("/proc/self/mountinfo");
    EXPECT_THAT(mounts, testing::Not(HasSubstr(store_.root())));
    EXPECT_THAT(mounts, testing::Not(HasSubstr(tmpdir_)));
    CommandResult fsck = RunCommand(kImgbuild + " fsck --root '" + store_.root() + "'");
    EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  }

  std::string tmpdir_ = dir() + "/tmp";
};

TEST_F(BuildCommandTest, WritesEveryOutputAndResultFile) {
  ASSERT_TRUE(HaveTool("skopeo")) << "install skopeo (scripts/setup.sh)";
  ASSERT_TRUE(HaveTool("umoci")) << "install umoci (scripts/setup.sh)";
  WriteTextFile(
      context() + "/Buildfile",
      "FROM busybox:test\nRUN echo from-the-build > /greeting\nCMD [\"cat\", \"/greeting\"]\n");
  std::string out = dir() + "/out";
  CommandResult built =
      Build("-t app:1.0 -o type=oci,dest=" + out + "/layout,tar=false -o type=oci,dest=" + out +
            "/image.tar -o type=docker,dest=" + out + "/docker.tar -o type=local,dest=" + out +
            "/rootfs --iidfile " + out + "/iid --metadata-file " + out + "/metadata.json");
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string digest = store_.Resolve("app:1.0").digest.ToString();
  EXPECT_THAT(built.output, HasSubstr(digest + "\n"));
  EXPECT_EQ(ReadTextFile(out + "/iid"), digest);
  nlohmann::json metadata = nlohmann::json::parse(ReadTextFile(out + "/metadata.json"));
  EXPECT_EQ(metadata["containerimage.digest"], digest);
  EXPECT_EQ(metadata["image.name"], "docker.io/library/app:1.0");
  ASSERT_EQ(metadata["imgbuild.bases"].size(), 1u) << metadata.dump();
  EXPECT_EQ(metadata["imgbuild.bases"][0]["reference"], "busybox:test");
  EXPECT_EQ(metadata["imgbuild.bases"][0]["digest"],
            store_.Resolve("busybox:test").digest.ToString());
  EXPECT_EQ(ReadTextFile(out + "/rootfs/greeting"), "from-the-build\n");
  EXPECT_TRUE(std::filesystem::is_symlink(out + "/rootfs/bin/sh"));

  for (const std::string& reference :
       {"oci:" + out + "/layout:1.0", "oci-archive:" + out + "/image.tar",
        "docker-archive:" + out + "/docker.tar"}) {
    CommandResult inspect = RunCommand("skopeo inspect --raw '" + reference + "'");
    EXPECT_EQ(inspect.exit_code, 0) << reference << ": " << inspect.output;
    CommandResult config = RunCommand("skopeo inspect --config '" + reference + "'");
    EXPECT_THAT(config.output, HasSubstr("/greeting")) << reference;
  }
  CommandResult unpack =
      RunCommand("umoci unpack --rootless --image '" + out + "/layout:1.0' '" + out + "/bundle'");
  ASSERT_EQ(unpack.exit_code, 0) << unpack.output;
  EXPECT_EQ(ReadTextFile(out + "/bundle/rootfs/greeting"), "from-the-build\n");
  ExpectCleanStore();
}

TEST_F(BuildCommandTest, FailingRunExitsOneNamingTheLine) {
  WriteTextFile(context() + "/Buildfile", "FROM busybox:test\nRUN exit 7\n");
  CommandResult failed = Build("");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.output,
              HasSubstr("imgbuild: error: " + context() + "/Buildfile:2: RUN exit 7: exit code 7"));
  ExpectCleanStore();
}

TEST_F(BuildCommandTest, UntaggedBuildIsKeptAndRemovableByDigest) {
  WriteTextFile(context() + "/Buildfile", "FROM busybox:test\nLABEL kept=yes\n");
  CommandResult built = Build("");
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string digest = built.output.substr(built.output.rfind("sha256:"), 71);
  CommandResult inspect =
      RunCommand(kImgbuild + " inspect --root '" + store_.root() + "' " + digest);
  EXPECT_EQ(inspect.exit_code, 0) << inspect.output;
  CommandResult removed = RunCommand(kImgbuild + " rm --root '" + store_.root() + "' " + digest);
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_THAT(removed.output, HasSubstr("Untagged: " + digest));
  EXPECT_EQ(RunCommand(kImgbuild + " inspect --root '" + store_.root() + "' " + digest).exit_code,
            1);
}

TEST_F(BuildCommandTest, SigtermStopsARunningBuildAndLeavesNothing) {
  std::string sleep_cmdline = "sleep";
  sleep_cmdline += '\0';
  sleep_cmdline += "987654";
  sleep_cmdline += '\0';
  WriteTextFile(context() + "/Buildfile", "FROM busybox:test\nRUN sleep 987654\n");
  std::string log = dir() + "/log";
  std::string tmp_env = "TMPDIR=" + tmpdir_;
  std::vector<std::string> args = {kImgbuild, "build",       "--progress", "plain",
                                   "--root",  store_.root(), context()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp = {tmp_env.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, kImgbuild.c_str(), &actions, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);

  bool started =
      Within(std::chrono::seconds(30), [&] { return !ProcessesRunning(sleep_cmdline).empty(); });
  ASSERT_TRUE(started) << ReadTextFile(log);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  bool ended =
      Within(std::chrono::seconds(20), [&] { return waitpid(pid, &status, WNOHANG) == pid; });
  if (!ended) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  ASSERT_TRUE(ended) << "imgbuild did not stop within 20 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 143) << ReadTextFile(log);
  EXPECT_THAT(ReadTextFile(log), HasSubstr("cancelled"));
  EXPECT_THAT(ProcessesRunning(sleep_cmdline), IsEmpty()) << "the RUN's process outlived the build";
  ExpectCleanStore();
}

}  // namespace
}  // namespace imgbuild::builder
