// One stage of a build: starting from its base (scratch, an image, or an
// earlier stage), each step in order. Layer steps (RUN, COPY, ADD,
// WORKDIR) mount the stage's root file system, change it, and commit the
// change as a layer, unless the build cache has their key; metadata steps
// change the config. Used by the executor, one thread per running stage.
#ifndef IMGBUILD_BUILDER_STAGE_RUNNER_H_
#define IMGBUILD_BUILDER_STAGE_RUNNER_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "builder/base_image.h"
#include "builder/build_cache.h"
#include "builder/build_options.h"
#include "builder/cancel_token.h"
#include "builder/config_update.h"
#include "builder/dockerignore.h"
#include "builder/progress.h"
#include "builder/rootfs_mount.h"
#include "builder/stat_cache.h"
#include "layers/layer_builder.h"
#include "layers/snapshots.h"
#include "layers/store.h"
#include "parser/graph.h"

namespace imgbuild::builder {

/// A stage after its last step.
struct StageState {
  StageConfig config;
  std::vector<layers::Descriptor> layers;  ///< Manifest layers, base first.
  /// Key of the last step (a placeholder until the stage starts).
  layers::Digest cache_key = layers::DigestOf("");
  std::string platform;  ///< "os/arch[/variant]".

  /// The layers with the config's diff IDs.
  LayerStack Stack() const { return {layers, config.image.diff_ids}; }
};

/// What the stages of one build share. Every member is safe to use from
/// several stage threads at once.
struct BuildContext {
  const layers::Store& store;
  const BuildRequest& request;
  const parser::Graph& graph;
  ProgressSink& progress;
  const CancelToken& cancel;
  const layers::Snapshots& snapshots;
  const BuildCache& cache;
  BaseImages& bases;
  const BuildScratch& scratch;
  StatCache& stat_cache;
  const IgnoreRules& ignore;
  std::string created;  ///< `created` of new history entries.
  layers::LayerBuildOptions layer_options;
  /// Finished stages by index (only those this stage depends on are asked).
  std::function<const StageState&(int)> finished_stage;
  std::atomic<int> next_progress_id{1};
  std::atomic<int> cached_steps{0};
  std::atomic<int> executed_steps{0};
};

/// Runs stage `index` of the graph with its snapshots leased to `lease`.
/// Throws BuildCancelled when cancelled, Error prefixed with the recipe
/// file and line of the failing instruction otherwise.
StageState RunStage(BuildContext& context, int index, layers::SnapshotLease& lease);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_STAGE_RUNNER_H_
