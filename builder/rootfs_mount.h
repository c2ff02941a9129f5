// A stage's root file system mounted for one step: the stage's snapshots
// as overlay lower directories (over the build's mount-point base), a
// fresh upper directory that collects the step's changes, and Commit to
// turn those changes into a layer blob and a snapshot without copying.
// RUN, COPY/ADD and WORKDIR all change the file system this way.
#ifndef IMGBUILD_BUILDER_ROOTFS_MOUNT_H_
#define IMGBUILD_BUILDER_ROOTFS_MOUNT_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "builder/overlay_mount.h"
#include "builder/sandbox.h"
#include "layers/layer_builder.h"
#include "layers/oci.h"
#include "layers/snapshots.h"
#include "layers/store.h"
#include "util/background_remover.h"
#include "util/temp_dir.h"

namespace imgbuild::builder {

/// What every mount of one build shares. The directories live in a
/// snapshot work directory of the build, so a crashed build's leftovers
/// are removed by `imgbuild prune`. Thread-safe.
class BuildScratch {
 public:
  /// Creates the build's work directory with the mount-point base in it.
  /// Throws Error when it cannot be created.
  explicit BuildScratch(const layers::Snapshots& snapshots);

  /// The bottom-most lower directory of every mount (CreateMountPointBase).
  std::string mount_point_base() const { return work_.path() + "/base"; }
  /// A new empty directory (mount targets, scripts, COPY staging), removed
  /// with its content when the returned object dies.
  TempDir NewDir(const std::string& prefix) const;
  /// Removes what steps discard in the background (see BackgroundRemover);
  /// it is drained before the build's work directory goes.
  BackgroundRemover& remover() const { return remover_; }
  /// A directory of the /etc files (SandboxSpec::etc_dir) for RUN steps
  /// with `network`, written on first use and shared by the build's steps.
  /// Throws Error when it cannot be written.
  std::string SandboxEtcDir(NetworkMode network) const;

 private:
  layers::SnapshotWorkDir work_;
  mutable BackgroundRemover remover_;  // After work_: stops before work_ is removed.
  mutable std::mutex etc_mutex_;
  mutable std::map<NetworkMode, std::string> etc_dirs_;
};

/// A stage's layers: what the manifest lists and the config's diff IDs.
struct LayerStack {
  std::vector<layers::Descriptor> layers;  ///< Base first.
  std::vector<layers::Digest> diff_ids;    ///< Same length.
};

/// The snapshot trees of `stack`, top first, extracting the missing ones
/// from their blobs and leasing every chain to `lease`; the trees of layers
/// without entries are left out. Throws Error like Snapshots::Ensure.
std::vector<std::string> StackLowerDirs(const layers::Snapshots& snapshots, const LayerStack& stack,
                                        layers::SnapshotLease& lease);

/// An overlay mount of a stack with a fresh upper directory. Destroying it
/// unmounts it and discards the upper directory unless Commit took it.
class RootfsMount {
 public:
  /// Mounts the snapshots of `stack` (see StackLowerDirs) over the
  /// mount-point base, or without it (a view for COPY --from, which must
  /// not see the base's stubs). Throws Error when a snapshot cannot be
  /// made or the mount fails.
  RootfsMount(const layers::Store& store, const layers::Snapshots& snapshots,
              const BuildScratch& scratch, const LayerStack& stack, layers::SnapshotLease& lease,
              bool with_mount_points = true);
  RootfsMount(const RootfsMount&) = delete;
  RootfsMount& operator=(const RootfsMount&) = delete;
  /// Unmounts; the directories are removed in the background (BuildScratch::remover).
  ~RootfsMount();

  /// The merged directory: the root file system to read or change.
  const std::string& path() const { return target_.path(); }

  /// Unmounts, writes the upper directory as a layer blob (`options`) and
  /// adopts it as the snapshot on top of the stack. `created_from` goes into
  /// the snapshot record. Call at most once. Throws Error when the mount is
  /// busy or the layer or snapshot cannot be written.
  layers::BuiltLayer Commit(const layers::LayerBuildOptions& options, std::string created_from);

 private:
  const layers::Store& store_;
  const layers::Snapshots& snapshots_;
  const BuildScratch& scratch_;
  layers::SnapshotLease& lease_;
  std::optional<layers::Digest> parent_chain_;
  std::optional<layers::SnapshotWorkDir> work_;
  TempDir target_;
  std::optional<TempDir> empty_lower_;  // The only lower of a view of no layers.
  std::optional<OverlayMount> mount_;   // Last: unmounted before the directories go.
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_ROOTFS_MOUNT_H_
