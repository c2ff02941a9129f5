// The subcommands of imgbuild, one factory per cmd_*.cc file.
#ifndef IMGBUILD_BUILDER_COMMANDS_H_
#define IMGBUILD_BUILDER_COMMANDS_H_

#include "builder/cli.h"

namespace imgbuild::cli {

/// `imgbuild build`: builds a recipe into an image.
CommandSpec BuildCommand();
/// `imgbuild parse`: prints the resolved instruction graph.
CommandSpec ParseCommand();
/// `imgbuild images`: lists the store's images.
CommandSpec ImagesCommand();
/// `imgbuild inspect`: shows an image's manifest, config and layers.
CommandSpec InspectCommand();
/// `imgbuild tag`: names an image.
CommandSpec TagCommand();
/// `imgbuild rm`: removes names.
CommandSpec RmCommand();
/// `imgbuild prune`: frees unreferenced blobs.
CommandSpec PruneCommand();
/// `imgbuild fsck`: checks the store.
CommandSpec FsckCommand();
/// `imgbuild load`: imports images.
CommandSpec LoadCommand();
/// `imgbuild save`: exports images.
CommandSpec SaveCommand();
/// `imgbuild diff`: compares two images.
CommandSpec DiffCommand();
/// `imgbuild pull`: fetches an image from a registry.
CommandSpec PullCommand();
/// `imgbuild push`: publishes an image to a registry.
CommandSpec PushCommand();
/// `imgbuild login`: stores registry credentials.
CommandSpec LoginCommand();
/// `imgbuild logout`: forgets registry credentials.
CommandSpec LogoutCommand();
/// `imgbuild verify`: rebuilds a recipe and compares it with an image.
CommandSpec VerifyCommand();

}  // namespace imgbuild::cli

#endif  // IMGBUILD_BUILDER_COMMANDS_H_
