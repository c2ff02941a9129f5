// RUN: the command line, environment, user, working directory and network a
// RUN instruction gets, as BuildKit gives them, and running it in the
// sandbox over a mounted root file system.
#ifndef IMGBUILD_BUILDER_RUN_STEP_H_
#define IMGBUILD_BUILDER_RUN_STEP_H_

#include <string>

#include "builder/cancel_token.h"
#include "builder/rootfs_mount.h"
#include "builder/sandbox.h"
#include "builder/step_errors.h"
#include "layers/oci.h"
#include "parser/graph.h"

namespace imgbuild::builder {

/// What a RUN needs besides its step and the stage's config.
struct RunContext {
  std::string where{};                               ///< "Buildfile:12", prefixed to errors.
  NetworkMode default_network = NetworkMode::kHost;  ///< For RUN without --network.
  const CancelToken* cancel = nullptr;
  OutputCallback on_output{};             ///< Receives the command's output.
  const BuildScratch* scratch = nullptr;  ///< Heredoc scripts and the shared /etc files.
};

/// The network a RUN gets: --network=none or host as written, the build's
/// default for "default" or no flag. Throws Error (prefixed with `where`)
/// for RUN --mount and --security=insecure, which are not supported yet.
NetworkMode RunNetwork(const parser::RunCommand& run, const RunContext& context);

/// Runs the RUN `step` with root file system `rootfs` (mounted, writable)
/// and the stage's `config`: argv from RunArgv, environment from
/// RunEnvironment plus HOME, user and groups from USER resolved in the
/// rootfs's /etc/passwd and /etc/group, WORKDIR, network. Returns when the
/// command succeeded. Throws BuildCancelled when cancelled, Error
/// "Buildfile:12: RUN make: exit code 2" when it failed, Error prefixed with
/// `where` for an unknown user or an unsupported flag.
void RunInRootfs(const std::string& rootfs, const layers::ImageConfig& config,
                 const parser::Step& step, const RunContext& context);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_RUN_STEP_H_
