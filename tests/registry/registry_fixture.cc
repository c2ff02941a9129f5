#include "tests/registry/registry_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/layers/store_testing.h"
#include "util/error.h"
#include "util/fd.h"

extern char** environ;

namespace imgbuild::registry::testing {
namespace {

using layers::store_testing::RunCommand;
using layers::store_testing::WriteTextFile;

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr const char* kTokenService = "imgbuild-test-registry";
constexpr const char* kTokenIssuer = "imgbuild-test-issuer";
// Debian's python3 has python3-cryptography; a pyenv shim on PATH may not.
constexpr const char* kPython = "/usr/bin/python3";

std::string ReadOrEmpty(const std::string& path) {
  try {
    return ReadFileToString(path, 16 << 20);
  } catch (const Error&) {
    return "";
  }
}

bool AcceptsConnections(int port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// Waits until `ready` holds, failing with `log_path`'s content when
// `process` exits first or the time is up.
void WaitFor(const std::function<bool()>& ready, ChildProcess& process, const std::string& what,
             const std::string& log_path) {
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!ready()) {
    if (process.Exited()) Fail("{} exited at start:\n{}", what, ReadOrEmpty(log_path));
    if (std::chrono::steady_clock::now() > deadline) {
      Fail("{} did not start within {} s:\n{}", what, kStartTimeout.count(),
           ReadOrEmpty(log_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void RequireTool(const std::string& tool, const std::string& package) {
  if (!layers::store_testing::HaveTool(tool)) {
    Fail("registry tests need {} (Debian package {}; scripts/setup.sh installs it)", tool, package);
  }
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  UniqueFd log = OpenOrThrow(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, log.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log.get(), STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  std::vector<std::string> copies = argv;
  for (std::string& arg : copies) args.push_back(arg.data());
  args.push_back(nullptr);
  int error = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    pid_ = -1;
    Fail("cannot start {}: {}", argv[0], ErrnoMessage("posix_spawnp", error));
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

bool ChildProcess::Exited() {
  if (pid_ <= 0) return true;
  if (waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

PythonServer::PythonServer(const std::string& script, const std::vector<std::string>& args,
                           const std::string& port_file, const std::string& log_path)
    : process_(
          [&] {
            std::vector<std::string> argv = {kPython,
                                             IMGBUILD_SOURCE_DIR "/tests/registry/" + script};
            argv.insert(argv.end(), args.begin(), args.end());
            return argv;
          }(),
          log_path) {
  WaitFor([&] { return std::filesystem::exists(port_file); }, process_, script, log_path);
  port_ = std::stoi(ReadFileToString(port_file, 64));
}

int FreeLoopbackPort() {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    FailErrno("binding a free loopback port");
  }
  return ntohs(address.sin_port);
}

TestRegistry::TestRegistry(TestRegistryOptions options) : dir_("imgbuild-registry-") {
  RequireTool("docker-registry", "docker-registry");
  int port = FreeLoopbackPort();
  host_ = "127.0.0.1:" + std::to_string(port);
  std::string config = fmt::format(
      "version: 0.1\n"
      "log:\n  level: info\n"
      "storage:\n  filesystem:\n    rootdirectory: {}/storage\n"
      "  delete:\n    enabled: true\n"
      "  maintenance:\n    uploadpurging:\n      enabled: false\n"
      "http:\n  addr: {}\n  secret: imgbuild-test-secret\n{}"
      "{}",
      dir(), host_, options.tls ? WriteTlsConfig() : "", WriteAuthConfig(options));
  WriteTextFile(dir() + "/config.yml", config);
  std::string log = dir() + "/registry.log";
  registry_.emplace(std::vector<std::string>{"docker-registry", "serve", dir() + "/config.yml"},
                    log);
  WaitFor([&] { return AcceptsConnections(port); }, *registry_, "docker-registry", log);
}

TestRegistry::~TestRegistry() = default;

std::string TestRegistry::WriteAuthConfig(const TestRegistryOptions& options) {
  if (options.auth == RegistryAuth::kAnonymous) return "";
  if (options.auth == RegistryAuth::kHtpasswd) {
    RequireTool("htpasswd", "apache2-utils");
    std::string file = dir() + "/htpasswd";
    for (const auto& [user, password] : options.users) {
      auto made = RunCommand(fmt::format("htpasswd -Bb{} '{}' '{}' '{}'",
                                         std::filesystem::exists(file) ? "" : "c", file, user,
                                         password));
      if (made.exit_code != 0) Fail("htpasswd failed: {}", made.output);
    }
    return fmt::format("auth:\n  htpasswd:\n    realm: imgbuild-test\n    path: {}\n", file);
  }
  std::string realm = StartTokenServer(options);
  return fmt::format(
      "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n"
      "    rootcertbundle: {}/token-cert.pem\n",
      realm, kTokenService, kTokenIssuer, dir());
}

std::string TestRegistry::WriteTlsConfig() {
  RequireTool("openssl", "openssl");
  auto made = RunCommand(fmt::format(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
      "-keyout '{0}/registry-key.pem' -out '{1}'",
      dir(), ca_file()));
  if (made.exit_code != 0) Fail("openssl failed: {}", made.output);
  return fmt::format("  tls:\n    certificate: {}\n    key: {}/registry-key.pem\n", ca_file(),
                     dir());
}

std::string TestRegistry::StartTokenServer(const TestRegistryOptions& options) {
  RequireTool("openssl", "openssl");
  auto made = RunCommand(fmt::format(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=imgbuild-test-token "
      "-keyout '{0}/token-key.pem' -out '{0}/token-cert.pem'",
      dir()));
  if (made.exit_code != 0) Fail("openssl failed: {}", made.output);
  nlohmann::json grants = nlohmann::json::array();
  for (const TokenGrant& grant : options.grants) {
    grants.push_back({{"user", grant.user}, {"repository", grant.repository},
                      {"actions", grant.actions}});
  }
  nlohmann::json config = {{"users", options.users}, {"grants", grants}};
  WriteTextFile(dir() + "/token-config.json", config.dump());
  std::string port_file = dir() + "/token-port";
  token_server_.emplace(
      "token_server.py",
      std::vector<std::string>{dir() + "/token-key.pem", dir() + "/token-cert.pem",
                               dir() + "/token-config.json", port_file,
                               dir() + "/token-requests.jsonl"},
      port_file, dir() + "/token-server.log");
  return "http://127.0.0.1:" + std::to_string(token_server_->port()) + "/token";
}

std::string TestRegistry::BlobDataPath(const layers::Digest& digest) const {
  return fmt::format("{}/storage/docker/registry/v2/blobs/{}/{}/{}/data", dir(),
                     digest.algorithm_name(), digest.hex().substr(0, 2), digest.hex());
}

std::vector<std::string> TestRegistry::TokenRequests() const {
  std::vector<std::string> lines;
  std::istringstream in(ReadOrEmpty(dir() + "/token-requests.jsonl"));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string TestRegistry::Log() const { return ReadOrEmpty(dir() + "/registry.log"); }

}  // namespace imgbuild::registry::testing
