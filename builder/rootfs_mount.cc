#include "builder/rootfs_mount.h"

#include "layers/chain_id.h"
#include "util/error.h"

namespace imgbuild::builder {

BuildScratch::BuildScratch(const layers::Snapshots& snapshots) : work_(snapshots.NewWorkDir()) {
  CreateMountPointBase(mount_point_base());
}

TempDir BuildScratch::NewDir(const std::string& prefix) const {
  return TempDir(prefix, work_.path());
}

std::string BuildScratch::SandboxEtcDir(NetworkMode network) const {
  std::lock_guard lock(etc_mutex_);
  auto [it, added] = etc_dirs_.emplace(network, "");
  if (added) {
    try {
      std::string dir = NewDir("etc-").Release();  // removed with the work directory
      WriteSandboxEtcFiles(SandboxSpec{}.hostname, network, dir);
      it->second = dir;
    } catch (...) {
      etc_dirs_.erase(it);
      throw;
    }
  }
  return it->second;
}

std::vector<std::string> StackLowerDirs(const layers::Snapshots& snapshots, const LayerStack& stack,
                                        layers::SnapshotLease& lease) {
  // Ensure reads only the layers of the manifest; its config is not needed.
  layers::Manifest manifest{.config = {.digest = layers::DigestOf("")}, .layers = stack.layers};
  layers::ImageConfig config{.diff_ids = stack.diff_ids};
  std::vector<std::string> all = snapshots.Ensure(manifest, config, lease).lower_dirs;
  // The diff ID of a tar without entries (two zero blocks), e.g. RUN true's.
  static const layers::Digest kEmptyLayer = layers::DigestOf(std::string(1024, '\0'));
  std::vector<std::string> lowers;
  for (size_t i = 0; i < all.size(); ++i) {
    // Top first, like `all`. An empty layer shows nothing but would cost
    // every lookup of a name below it one more directory.
    if (stack.diff_ids[all.size() - 1 - i] != kEmptyLayer) lowers.push_back(all[i]);
  }
  return lowers;
}

RootfsMount::RootfsMount(const layers::Store& store, const layers::Snapshots& snapshots,
                         const BuildScratch& scratch, const LayerStack& stack,
                         layers::SnapshotLease& lease, bool with_mount_points)
    : store_(store),
      snapshots_(snapshots),
      scratch_(scratch),
      lease_(lease),
      work_(snapshots.NewWorkDir()),
      target_(scratch.NewDir("rootfs-")) {
  if (!stack.diff_ids.empty()) parent_chain_ = layers::ChainIds(stack.diff_ids).back();
  std::vector<std::string> lowers = StackLowerDirs(snapshots, stack, lease);
  if (with_mount_points) {
    lowers.push_back(scratch.mount_point_base());
  } else if (lowers.empty()) {
    empty_lower_.emplace(scratch.NewDir("empty-"));
    lowers.push_back(empty_lower_->path());
  }
  mount_.emplace(OverlayLayout{.lowers = std::move(lowers),
                               .upper = work_->upper(),
                               .work = work_->work(),
                               .target = target_.path(),
                               // The blob is what must be durable; CommitUpper
                               // publishes the upper dir unflushed anyway.
                               .volatile_upper = true});
}

RootfsMount::~RootfsMount() {
  mount_.reset();  // unmounted (or detached) before its target goes
  scratch_.remover().Remove(target_.Release());
}

layers::BuiltLayer RootfsMount::Commit(const layers::LayerBuildOptions& options,
                                       std::string created_from) {
  if (!work_) Fail("internal error: {} was committed twice", target_.path());
  mount_->Unmount();
  layers::BuiltLayer layer = layers::BuildOverlayUpperLayer(store_, work_->upper(), options);
  layers::SnapshotWorkDir work = std::move(*work_);
  work_.reset();
  snapshots_.CommitUpper(std::move(work), parent_chain_, layer.diff_id, layer.uncompressed_size,
                         std::move(created_from), lease_, &scratch_.remover());
  return layer;
}

}  // namespace imgbuild::builder
