#include "registry/credential_helper.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fd.h"

extern char** environ;

namespace imgbuild::registry {
namespace {

// What helpers print when they hold nothing for a server (the message of
// credentials.NewErrCredentialsNotFound in docker-credential-helpers).
constexpr std::string_view kNotFound = "credentials not found";
// Username a helper returns for an identity token instead of a password.
constexpr std::string_view kTokenUsername = "<token>";
constexpr size_t kMaxHelperOutput = 1 << 20;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe MakePipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) FailErrno("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Spawned child processes must not keep our side of the pipes open, so the
// pipes are O_CLOEXEC and only the dup2'ed copies survive exec.
struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
};

// Writes `input` to a pipe whose reader may already have exited, with
// SIGPIPE blocked so that such a helper cannot kill this process.
void WriteIgnoringBrokenPipe(int fd, std::string_view input) {
  sigset_t pipe_signal, previous;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
  ssize_t written = 0;
  while (static_cast<size_t>(written) < input.size()) {
    ssize_t got = write(fd, input.data() + written, input.size() - written);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // The helper exited without reading; its output says why.
    written += got;
  }
  timespec no_wait{};
  while (sigtimedwait(&pipe_signal, nullptr, &no_wait) == SIGPIPE) {
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// `text` with every occurrence of the non-empty `secret` replaced.
std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "<redacted>");
  }
  return text;
}

}  // namespace

CredentialHelper::Outcome CredentialHelper::Run(std::string_view action,
                                                std::string_view input) const {
  std::string program = Program();
  Pipe in = MakePipe(), out = MakePipe();
  SpawnActions spawn;
  posix_spawn_file_actions_adddup2(&spawn.actions, in.read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&spawn.actions, out.write.get(), STDERR_FILENO);
  std::string action_arg(action);
  char* argv[] = {program.data(), action_arg.data(), nullptr};
  pid_t pid = 0;
  if (int error = posix_spawnp(&pid, program.c_str(), &spawn.actions, nullptr, argv, environ)) {
    Fail("cannot run credential helper {} (is it on PATH?): {}", program,
         ErrnoMessage("posix_spawnp", error));
  }
  in.read.Reset();
  out.write.Reset();
  // Inputs are a URL or a small JSON object: they fit in the pipe buffer, so
  // writing everything before reading cannot deadlock.
  WriteIgnoringBrokenPipe(in.write.get(), input);
  in.write.Reset();
  std::string output;
  char buffer[4096];
  while (size_t got = ReadSome(out.read.get(), buffer, sizeof buffer, program + " output")) {
    if (output.size() < kMaxHelperOutput) output.append(buffer, got);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) FailErrno("waitpid " + program);
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

std::optional<Credentials> CredentialHelper::Get(std::string_view server_url) const {
  Outcome outcome = Run("get", server_url);
  if (outcome.exit_code != 0) {
    if (outcome.output.find(kNotFound) != std::string::npos) return std::nullopt;
    // The output of a failed helper is an error message, not a secret.
    Fail("credential helper {} failed for {} (exit {}): {}", Program(), server_url,
         outcome.exit_code, outcome.output);
  }
  nlohmann::json answer = nlohmann::json::parse(outcome.output, nullptr, false);
  if (!answer.is_object() || !answer.contains("Secret") || !answer["Secret"].is_string()) {
    Fail("credential helper {} gave no valid answer for {} (expected JSON with "
         "\"Username\" and \"Secret\")",
         Program(), server_url);
  }
  Credentials credentials;
  std::string username = answer.value("Username", "");
  std::string secret = answer["Secret"].get<std::string>();
  if (username == kTokenUsername) {
    credentials.identity_token = secret;
  } else {
    credentials.username = username;
    credentials.password = secret;
  }
  return credentials;
}

void CredentialHelper::Store(std::string_view server_url, const Credentials& credentials) const {
  bool token = !credentials.identity_token.empty();
  nlohmann::json request = {
      {"ServerURL", server_url},
      {"Username", token ? std::string(kTokenUsername) : credentials.username},
      {"Secret", token ? credentials.identity_token : credentials.password}};
  Outcome outcome = Run("store", request.dump());
  if (outcome.exit_code != 0) {
    std::string output = Redact(outcome.output, request["Secret"].get<std::string>());
    Fail("credential helper {} could not store credentials for {} (exit {}): {}", Program(),
         server_url, outcome.exit_code, output);
  }
}

bool CredentialHelper::Erase(std::string_view server_url) const {
  Outcome outcome = Run("erase", server_url);
  if (outcome.exit_code == 0) return true;
  if (outcome.output.find(kNotFound) != std::string::npos) return false;
  Fail("credential helper {} could not erase credentials for {} (exit {}): {}", Program(),
       server_url, outcome.exit_code, outcome.output);
}

}  // namespace imgbuild::registry
