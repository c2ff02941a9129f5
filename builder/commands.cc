#include "builder/commands.h"

namespace imgbuild::cli {

std::vector<CommandSpec> AllCommands() {
  return {ParseCommand()};
}

}  // namespace imgbuild::cli
