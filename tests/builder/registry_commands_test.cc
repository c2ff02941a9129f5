// pull, push, login and logout as the command line sees them: flags,
// help, the checks made before any registry is contacted, and how login
// gets a password (stdin, or a prompt without echo on a real terminal).
// Talking to registries is tested in tests/registry/.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/layers/store_testing.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::cli {
namespace {

using layers::store_testing::CommandResult;
using layers::store_testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";
// Nothing listens on port 1, so a command that gets as far as the registry fails there.
const std::string kNoRegistry = "127.0.0.1:1";

class RegistryCommandsTest : public ::testing::Test {
 protected:
  // Runs imgbuild ARGS with `input` on stdin, a temporary store and DOCKER_CONFIG.
  CommandResult Run(const std::string& args, const std::string& input = "") {
    std::string stdin_path = dir_.path() + "/stdin";
    layers::store_testing::WriteTextFile(stdin_path, input);
    return RunCommand("DOCKER_CONFIG='" + dir_.path() + "/docker' IMGBUILD_ROOT='" +
                      dir_.path() + "/store' " + kImgbuild + " " + args + " <'" + stdin_path +
                      "'");
  }

  // Runs imgbuild ARGS on a new pseudo-terminal (its controlling terminal);
  // each time the screen shows answers[i].first, types answers[i].second.
  // Returns the exit status and everything the terminal showed.
  CommandResult RunOnTerminal(const std::vector<std::string>& args,
                              const std::vector<std::pair<std::string, std::string>>& answers) {
    std::vector<char*> argv = {const_cast<char*>(kImgbuild.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::string config = "DOCKER_CONFIG=" + dir_.path() + "/docker";
    int master = -1;
    pid_t child = forkpty(&master, nullptr, nullptr, nullptr);
    if (child == 0) {
      putenv(config.data());
      execv(argv[0], argv.data());
      _exit(127);
    }
    EXPECT_GT(child, 0) << "forkpty failed";
    UniqueFd terminal(master);
    CommandResult result;
    size_t next = 0, seen = 0;  // the next answer; where to look for its prompt
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      size_t prompt = next < answers.size() ? result.output.find(answers[next].first, seen)
                                            : std::string::npos;
      if (prompt != std::string::npos) {
        seen = prompt + answers[next].first.size();
        WriteAll(master, answers[next].second.data(), answers[next].second.size(), "pty");
        ++next;
      }
      struct pollfd readable {master, POLLIN, 0};
      if (poll(&readable, 1, 100) <= 0) continue;
      char buffer[1024];
      ssize_t got = read(master, buffer, sizeof buffer);
      if (got <= 0) break;  // EIO: the child closed the terminal
      result.output.append(buffer, static_cast<size_t>(got));
    }
    int status = 0;
    waitpid(child, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  TempDir dir_;
};

TEST_F(RegistryCommandsTest, HelpDescribesEachRegistryCommand) {
  struct Expected {
    std::string command;
    std::vector<std::string> mentions;
  };
  const std::vector<Expected> commands = {
      {"pull", {"--platform", "--root", "--insecure-registry", "--tls-ca", "--quiet",
                "docker.io/library/busybox:latest"}},
      {"push", {"--root", "--insecure-registry", "--tls-ca", "--quiet", "destination",
                "exactly as stored", "skipped"}},
      {"login", {"--username", "--password-stdin", "--insecure-registry", "--tls-ca",
                 "config.json", "credHelpers"}},
      {"logout", {"registry TEXT", "config.json"}},
  };
  for (const Expected& expected : commands) {
    CommandResult help = Run("help " + expected.command);
    EXPECT_EQ(help.exit_code, 0) << help.output;
    for (const std::string& mention : expected.mentions) {
      EXPECT_THAT(help.output, HasSubstr(mention)) << expected.command;
    }
  }
  CommandResult overview = Run("--help");
  for (const char* command : {"pull", "push", "login", "logout"}) {
    EXPECT_THAT(overview.output, HasSubstr(command));
  }
}

TEST_F(RegistryCommandsTest, RegistryFlagsAreCheckedBeforeAnythingIsFetched) {
  CommandResult missing_ca = Run("pull --tls-ca " + dir_.path() + "/none.pem busybox");
  EXPECT_NE(missing_ca.exit_code, 0);
  EXPECT_THAT(missing_ca.output, HasSubstr("--tls-ca"));
  EXPECT_THAT(missing_ca.output, HasSubstr("none.pem"));
  CommandResult no_reference = Run("pull --platform linux/arm64");
  EXPECT_NE(no_reference.exit_code, 0);
  EXPECT_THAT(no_reference.output, HasSubstr("reference is required"));
  CommandResult no_image = Run("push");
  EXPECT_NE(no_image.exit_code, 0);
  EXPECT_THAT(no_image.output, HasSubstr("image is required"));
}

TEST_F(RegistryCommandsTest, PushNeedsAStoredImageAndADestinationForADigest) {
  CommandResult unknown = Run("push nothing:here " + kNoRegistry + "/a:1");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("nothing:here"));

  layers::Store store(dir_.path() + "/store");
  layers::Descriptor image = layers::store_testing::PutSyntheticImage(store, "app").manifest;
  store.Tag("app:1", image);
  CommandResult by_digest = Run("push " + image.digest.hex().substr(0, 12));
  EXPECT_EQ(by_digest.exit_code, 1);
  EXPECT_THAT(by_digest.output, HasSubstr("an image given by digest needs a destination"));
}

TEST_F(RegistryCommandsTest, PasswordStdinNeedsAUserAndExcludesPassword) {
  CommandResult no_user = Run("login --password-stdin " + kNoRegistry, "pw\n");
  EXPECT_EQ(no_user.exit_code, 1);
  EXPECT_THAT(no_user.output, HasSubstr("--password-stdin needs --username"));
  CommandResult both = Run("login -u alice -p pw --password-stdin " + kNoRegistry, "pw\n");
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_THAT(both.output, HasSubstr("mutually exclusive"));
}

TEST_F(RegistryCommandsTest, PasswordsNeverShowInOutput) {
  // The registry cannot be reached, so each login fails after reading the password.
  CommandResult piped =
      Run("login -u alice --password-stdin " + kNoRegistry, "hunter2-piped\n");
  EXPECT_EQ(piped.exit_code, 1);
  EXPECT_THAT(piped.output, HasSubstr(kNoRegistry));
  EXPECT_THAT(piped.output, Not(HasSubstr("hunter2")));
  EXPECT_THAT(piped.output, Not(HasSubstr("WARNING")));

  CommandResult flag = Run("login -u alice -p hunter2-flag " + kNoRegistry);
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_THAT(flag.output,
              HasSubstr("WARNING! Using --password via the CLI is insecure. Use --password-stdin."));
  EXPECT_THAT(flag.output, Not(HasSubstr("hunter2")));
}

TEST_F(RegistryCommandsTest, LoginPromptsOnTheTerminalWithoutEcho) {
  CommandResult run = RunOnTerminal({"login", kNoRegistry},
                                    {{"Username: ", "alice\n"}, {"Password: ", "hunter2-typed\n"}});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("Username: alice"));
  EXPECT_THAT(run.output, HasSubstr("Password: "));
  EXPECT_THAT(run.output, Not(HasSubstr("hunter2"))) << "the password was echoed";
  EXPECT_THAT(run.output, HasSubstr(kNoRegistry)) << "login went on to the registry";
}

TEST_F(RegistryCommandsTest, LoginWithoutTerminalOrPasswordSaysWhatToDo) {
  // setsid: a new session has no controlling terminal to prompt on.
  CommandResult run = RunCommand("DOCKER_CONFIG='" + dir_.path() + "/docker' setsid -w " +
                                 kImgbuild + " login -u alice " + kNoRegistry + " </dev/null");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("cannot prompt: there is no terminal"));
  EXPECT_THAT(run.output, HasSubstr("--password-stdin"));
}

}  // namespace
}  // namespace imgbuild::cli
