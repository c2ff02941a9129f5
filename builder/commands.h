// The subcommands of imgbuild, one factory per cmd_*.cc file.
#ifndef IMGBUILD_BUILDER_COMMANDS_H_
#define IMGBUILD_BUILDER_COMMANDS_H_

#include "builder/cli.h"

namespace imgbuild::cli {

/// `imgbuild parse`: prints the resolved instruction graph.
CommandSpec ParseCommand();

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_COMMANDS_H_
