// `imgbuild login [-u USER] [--password-stdin] [REGISTRY]`: checks and
// stores credentials for a registry, as `docker login` does (same
// config.json, same flags).
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "builder/commands.h"
#include "builder/registry_options.h"
#include "builder/terminal_prompt.h"
#include "util/error.h"

namespace imgbuild::cli {
namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr size_t kMaxPasswordSize = 64 << 10;

struct LoginOptions {
  RegistryCliOptions registry_flags;
  std::string registry{kDefaultRegistry};
  std::string username;
  std::string password;
  bool password_stdin = false;
};

// The password piped in, without the line ending `echo` or a file adds.
std::string ReadPasswordFromStdin() {
  std::string password;
  char buffer[4096];
  while (size_t got = fread(buffer, 1, sizeof buffer, stdin)) {
    password.append(buffer, got);
    if (password.size() > kMaxPasswordSize) Fail("the password on stdin is over 64 KiB");
  }
  if (ferror(stdin)) FailErrno("cannot read the password from stdin");
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  return password;
}

// Fills in what the flags left out, as docker does: the password from
// stdin, or the user name and password from prompts on the terminal.
void CompleteCredentials(LoginOptions& options) {
  if (options.password_stdin) {
    if (!options.password.empty()) Fail("--password and --password-stdin are mutually exclusive");
    if (options.username.empty()) Fail("--password-stdin needs --username (-u)");
    options.password = ReadPasswordFromStdin();
  } else if (!options.password.empty()) {
    fmt::print(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  }
  if (options.username.empty() || options.password.empty()) {
    UniqueFd tty = OpenTerminal("give -u USER and --password-stdin");
    if (options.username.empty()) options.username = PromptLine(tty.get(), "Username: ", true);
    if (options.password.empty()) options.password = PromptLine(tty.get(), "Password: ", false);
  }
  if (options.username.empty()) Fail("cannot log in to {}: no user name given", options.registry);
  if (options.password.empty()) Fail("cannot log in to {}: no password given", options.registry);
}

int RunLogin(LoginOptions& options) {
  CompleteCredentials(options);
  registry::Login(options.registry, options.username, options.password,
                  options.registry_flags.ToClientOptions());
  fmt::print("Login Succeeded\n");
  return 0;
}

}  // namespace

CommandSpec LoginCommand() {
  return {"login", "Log in to a registry", [](CLI::App& app) -> Action {
            auto options = std::make_shared<LoginOptions>();
            options->registry_flags.AddTo(app);
            app.add_option("-u,--username", options->username, "User name (default: prompt)");
            app.add_option("-p,--password", options->password,
                           "Password; insecure: it shows in the process list and shell history "
                           "(use --password-stdin)");
            app.add_flag("--password-stdin", options->password_stdin,
                         "Read the password from stdin (needs -u)");
            app.add_option("registry", options->registry,
                           "Registry HOST[:PORT] (default: docker.io)");
            app.footer(
                "Checks the credentials with the registry, then stores them as docker does: in\n"
                "config.json under $DOCKER_CONFIG, else ~/.docker, or in the credential helper\n"
                "that config.json names (credsStore, credHelpers). Without -u or a password,\n"
                "prompts on the terminal; the password is never echoed. Example:\n"
                "  echo \"$TOKEN\" | imgbuild login -u ci --password-stdin registry.example:5000");
            return [options] { return RunLogin(*options); };
          }};
}

}  // namespace imgbuild::cli
