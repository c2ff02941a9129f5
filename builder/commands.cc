#include "builder/commands.h"

namespace imgbuild::cli {

std::vector<CommandSpec> AllCommands() {
  return {BuildCommand(), ParseCommand(),  ImagesCommand(), InspectCommand(), TagCommand(),
          RmCommand(),    PruneCommand(),  FsckCommand(),   LoadCommand(),    SaveCommand(),
          DiffCommand(),  VerifyCommand(), PullCommand(),   PushCommand(),   LoginCommand(),   LogoutCommand()};
}

}  // namespace imgbuild::cli
