#include "builder/cli.h"

namespace imgbuild::cli {

std::vector<CommandSpec> AllCommands() {
  return {};
}

}  // namespace imgbuild::cli
