#include "builder/cli.h"

#include <cstdio>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "util/error.h"

namespace imgbuild::cli {
namespace {

constexpr const char* kVersion = "0.1.0";

struct Registered {
  CLI::App* app;
  Action action;
};

// `imgbuild help [COMMAND]`: the same text as `imgbuild COMMAND --help`.
Action SetupHelp(CLI::App& app, CLI::App& root) {
  auto topic = std::make_shared<std::string>();
  app.add_option("command", *topic, "The command to describe");
  return [&root, topic]() {
    if (topic->empty()) {
      fmt::print("{}", root.help());
      return 0;
    }
    for (CLI::App* sub : root.get_subcommands({})) {
      if (sub->get_name() == *topic) {
        fmt::print("{}", sub->help());
        return 0;
      }
    }
    Fail("unknown command \"{}\"; `imgbuild --help` lists the commands", *topic);
  };
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App root{
      "imgbuild: a daemonless, reproducible OCI image builder.\n"
      "Reads a Dockerfile-compatible recipe and builds an OCI image.",
      "imgbuild"};
  root.set_version_flag("--version", kVersion);
  root.require_subcommand(1);
  root.fallthrough(false);

  std::map<std::string, Registered> commands;
  for (const CommandSpec& spec : AllCommands()) {
    CLI::App* sub = root.add_subcommand(spec.name, spec.summary);
    commands[spec.name] = Registered{sub, spec.setup(*sub)};
  }
  CLI::App* help = root.add_subcommand("help", "Show help for a command");
  commands["help"] = Registered{help, SetupHelp(*help, root)};

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return root.exit(e);
  }
  try {
    for (auto& [name, registered] : commands) {
      if (registered.app->parsed()) return registered.action();
    }
    return 0;
  } catch (const Error& e) {
    fmt::print(stderr, "imgbuild: error: {}\n", e.what());
    return 1;
  }
}

}  // namespace imgbuild::cli
