// The build executor: turns a recipe into an image in the store. It reads
// the recipe into a graph (resolving base images for ONBUILD and ENV),
// runs the stages the target needs in dependency order (independent stages
// at the same time, up to --jobs), each step as BuildKit's dockerfile
// frontend would (RUN in the sandbox, COPY/ADD, WORKDIR, metadata), takes
// layer steps from the build cache when their key matches, then writes the
// config and manifest, names the image, and writes the outputs.
//
// Cancelling the token (SIGINT, SIGTERM) stops the build: running commands
// are killed, mounts and temporary directories go (RAII), the store stays
// consistent, and Build throws BuildCancelled.
#ifndef IMGBUILD_BUILDER_EXECUTOR_H_
#define IMGBUILD_BUILDER_EXECUTOR_H_

#include "builder/build_options.h"
#include "builder/cancel_token.h"
#include "builder/progress.h"
#include "builder/run_step.h"
#include "layers/store.h"

namespace imgbuild::builder {

/// Builds `request` into `store` and returns the image. Steps, their
/// output and cache hits are reported to `progress` (not closed here).
/// Tags the image with every `request.tags` name; without one, the image
/// gets an unnamed index.json entry so that its digest finds it. Throws
/// ParseError for recipe errors, BuildCancelled when `cancel` fires, and
/// Error naming the recipe line for a failed step ("Buildfile:12: RUN make:
/// exit code 2"), a base image that cannot be found, or a failed output.
BuildResult Build(const layers::Store& store, const BuildRequest& request, ProgressSink& progress,
                  const CancelToken& cancel);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_EXECUTOR_H_
