// Registry test harness: Debian's docker-registry on a free loopback port
// (registry_server.py), the fault-injecting proxy (fault_proxy.py) in front
// of it, and running imgbuild and other tools against them. Every server
// is a child that dies with the test process and is stopped, and waited
// for, when its object is destroyed.
#ifndef IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_
#define IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/layers/store_testing.h"
#include "util/error.h"
#include "util/fd.h"
#include "util/temp_dir.h"

namespace imgbuild::registry::testing {

inline const std::string kTestsDir = IMGBUILD_SOURCE_DIR "/tests/registry";
inline const std::string kImgbuild = IMGBUILD_BINARY_DIR "/builder/imgbuild";

/// A server the tests start: a child process that prints "ready HOST:PORT"
/// on stdout once it serves. Its stderr goes to `log_path`.
class ServerProcess {
 public:
  /// Starts `argv` and waits up to 30 s for its ready line. Throws Error
  /// with the server's stderr when it exits or stays silent.
  ServerProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) FailErrno("pipe2");
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    UniqueFd log = OpenOrThrow(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) FailErrno("fork");
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec. The server must not
      // outlive a test that crashes or is killed.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      dup2(write_end.get(), STDOUT_FILENO);
      dup2(log.get(), STDERR_FILENO);
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, STDIN_FILENO);
      execv(args[0], args.data());
      _exit(127);
    }
    write_end.Reset();
    address_ = ReadReadyLine(read_end.get(), argv[0], log_path);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Stops the server (SIGTERM, then SIGKILL after 10 s) and reaps it.
  ~ServerProcess() { Stop(); }

  /// "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }

  /// Sends SIGTERM and waits for the server to exit; idempotent.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }

 private:
  std::string ReadReadyLine(int fd, const std::string& program, const std::string& log_path) {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      struct pollfd poll_fd {fd, POLLIN, 0};
      char buffer[256];
      ssize_t got = 0;
      if (left.count() > 0 && poll(&poll_fd, 1, static_cast<int>(left.count())) > 0) {
        got = read(fd, buffer, sizeof buffer);
      }
      if (got <= 0) {
        Stop();
        Fail("{} did not start (no ready line); its stderr ({}):\n{}", program, log_path,
             ReadFileToString(log_path, 1 << 20));
      }
      line.append(buffer, static_cast<size_t>(got));
    }
    if (line.rfind("ready ", 0) != 0) Fail("{} printed \"{}\", not a ready line", program, line);
    return line.substr(6, line.find('\n') - 6);
  }

  pid_t pid_ = -1;
  std::string address_;
};

/// One request as the registry's access log records it.
struct LoggedRequest {
  std::string method;
  std::string path;
  int status = 0;
};

/// Debian's docker-registry with its storage in a temporary directory.
class TestRegistry {
 public:
  /// Starts an anonymous registry, or with `users` ("user:password") one
  /// that requires HTTP Basic auth (htpasswd). Throws Error when
  /// docker-registry is missing or does not start.
  explicit TestRegistry(const std::vector<std::string>& users = {})
      : server_(Command(dir_.path(), users), dir_.path() + "/server.log") {}

  /// "127.0.0.1:PORT".
  const std::string& address() const { return server_.address(); }
  const std::string& dir() const { return dir_.path(); }
  /// The registry's own log.
  std::string Log() const { return ReadFileToString(dir_.path() + "/registry.log", 64 << 20); }
  /// Every request served so far, in order, from the access log.
  std::vector<LoggedRequest> Requests() const {
    std::vector<LoggedRequest> requests;
    std::istringstream lines(Log());
    for (std::string line; std::getline(lines, line);) {
      // 127.0.0.1 - - [date] "GET /v2/ HTTP/1.1" 200 2 "" "agent"
      size_t quote = line.find(" \"");
      if (line.rfind("127.0.0.1 - ", 0) != 0 || quote == std::string::npos) continue;
      std::istringstream fields(line.substr(quote + 2));
      LoggedRequest request;
      std::string protocol;
      fields >> request.method >> request.path >> protocol >> request.status;
      requests.push_back(request);
    }
    return requests;
  }
  /// The PID of docker-registry itself (not of its runner).
  pid_t RegistryPid() const {
    return std::stoi(ReadFileToString(dir_.path() + "/registry.pid", 64));
  }
  ServerProcess& server() { return server_; }

 private:
  static std::vector<std::string> Command(const std::string& dir,
                                          const std::vector<std::string>& users) {
    std::vector<std::string> argv = {kTestsDir + "/registry_server.py", "--dir", dir};
    for (const std::string& user : users) {
      argv.push_back("--htpasswd");
      argv.push_back(user);
    }
    return argv;
  }

  TempDir dir_{"imgbuild-registry-"};
  ServerProcess server_;
};

/// One request as fault_proxy.py logged it.
struct ProxiedRequest {
  std::string method;
  std::string path;
  int status = 0;     ///< 0 when no response was sent (reset).
  std::string fault;  ///< The rule's action ("500", "429:1", "reset", ...); "" = none.
  std::string range;  ///< The request's Range header; "" = none.
};

/// fault_proxy.py in front of `upstream` with `rules` (see its --help).
class FaultProxy {
 public:
  /// Starts the proxy. Throws Error when a rule is invalid or it does not start.
  FaultProxy(const std::string& upstream, const std::vector<std::string>& rules)
      : server_(Command(dir_.path(), upstream, rules), dir_.path() + "/proxy.stderr") {}

  /// "127.0.0.1:PORT".
  const std::string& address() const { return server_.address(); }
  /// Every request so far, in order.
  std::vector<ProxiedRequest> Requests() const {
    std::vector<ProxiedRequest> requests;
    std::ifstream log(dir_.path() + "/proxy.log");
    for (std::string line; std::getline(log, line);) {
      nlohmann::json entry = nlohmann::json::parse(line);
      requests.push_back({entry["method"], entry["path"],
                          entry["status"].is_null() ? 0 : entry["status"].get<int>(),
                          entry["fault"].is_null() ? "" : entry["fault"].get<std::string>(),
                          entry["range"].is_null() ? "" : entry["range"].get<std::string>()});
    }
    return requests;
  }
  /// How many requests got the fault `action`.
  size_t FaultCount(const std::string& action) const {
    size_t count = 0;
    for (const ProxiedRequest& request : Requests()) count += request.fault == action;
    return count;
  }
  /// The log as text, for failure messages.
  std::string LogText() const { return ReadFileToString(dir_.path() + "/proxy.log", 16 << 20); }

 private:
  static std::vector<std::string> Command(const std::string& dir, const std::string& upstream,
                                          const std::vector<std::string>& rules) {
    std::vector<std::string> argv = {kTestsDir + "/fault_proxy.py", "--upstream", upstream,
                                     "--log", dir + "/proxy.log"};
    for (const std::string& rule : rules) {
      argv.push_back("--fault");
      argv.push_back(rule);
    }
    return argv;
  }

  TempDir dir_{"imgbuild-proxy-"};
  ServerProcess server_;
};

using layers::store_testing::CommandResult;

/// Quotes `word` for sh.
inline std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// Runs `imgbuild ARGS` (shell words, already quoted) with stdin from
/// /dev/null; returns its exit code and output (stdout and stderr).
inline CommandResult RunImgbuild(const std::string& args) {
  return layers::store_testing::RunCommand(kImgbuild + " " + args + " </dev/null");
}

/// Fails with a clear message unless every tool in `tools` is on PATH.
inline void RequireTools(const std::vector<std::string>& tools) {
  for (const std::string& tool : tools) {
    if (!layers::store_testing::HaveTool(tool)) {
      Fail("{} is not installed; scripts/setup.sh installs the test tools", tool);
    }
  }
}

}  // namespace imgbuild::registry::testing

#endif  // IMGBUILD_TESTS_REGISTRY_REGISTRY_TESTING_H_
