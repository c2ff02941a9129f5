#include "builder/commands.h"

namespace imgbuild::cli {

std::vector<CommandSpec> AllCommands() {
  return {BuildCommand(), ParseCommand(), ImagesCommand(), InspectCommand(), TagCommand(),
          RmCommand(),    PruneCommand(),  FsckCommand(),   LoadCommand(),    SaveCommand(),
          DiffCommand()};
}

}  // namespace imgbuild::cli
