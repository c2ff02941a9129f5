// The imgbuild command line: one CLI11 subcommand per file (cmd_*.cc),
// registered here. Errors reach RunCli as imgbuild::Error and become a
// message on stderr and exit status 1.
#ifndef IMGBUILD_BUILDER_CLI_H_
#define IMGBUILD_BUILDER_CLI_H_

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace imgbuild::cli {

/// What a subcommand does once its options are parsed; returns the exit status.
using Action = std::function<int()>;

/// Adds a subcommand's options to `app` and returns its action. Options are
/// bound to state the action captures.
using CommandSetup = std::function<Action(CLI::App& app)>;

/// A subcommand of imgbuild.
struct CommandSpec {
  std::string name;
  std::string summary;  ///< One line, shown by `imgbuild --help`.
  CommandSetup setup;
};

/// Every subcommand, in the order `imgbuild --help` lists them.
std::vector<CommandSpec> AllCommands();

/// Runs imgbuild with `argv`; returns the process exit status.
int RunCli(int argc, char** argv);

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_CLI_H_
