// Finding and removing snapshots nobody needs: those no image in the store
// and no live lease references, broken ones, half-built ones of processes
// that died, and expired leases. Used by Prune (removal) and Fsck (report).
#ifndef IMGBUILD_LAYERS_SNAPSHOT_GC_H_
#define IMGBUILD_LAYERS_SNAPSHOT_GC_H_

#include <set>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/snapshots.h"

namespace imgbuild::layers {

/// A snapshot directory that is not a usable snapshot.
struct BrokenSnapshot {
  std::string dir;
  std::string problem;
  bool leased = false;  ///< A live build names it: left alone.
  bool stale = false;   ///< SnapshotState::stale: expected after a reboot, not damage.
};

/// The state of a store's snapshots.
struct SnapshotScan {
  /// Complete snapshots that no image and no live lease references.
  std::vector<SnapshotInfo> unused;
  std::vector<BrokenSnapshot> broken;
  /// Work directories of processes that died (half-built snapshots,
  /// unfinished removals, upper dirs of killed RUNs).
  std::vector<std::string> abandoned_work_dirs;
  /// Lease files of processes that died.
  std::vector<std::string> expired_leases;
  /// Complete snapshots that are in use.
  size_t in_use = 0;
};

/// Looks at every snapshot, work directory and lease. `image_chains` are
/// the chain IDs the store's images need (Reachability::chain_ids). The
/// caller holds the store lock (shared is enough), so that no lease or work
/// directory is caught between its creation and its flock. Throws Error on
/// I/O failure only.
SnapshotScan ScanSnapshots(const Snapshots& snapshots, const std::set<Digest>& image_chains);

/// Removes what `scan` found removable: unused snapshots, broken ones not
/// leased, abandoned work directories and expired leases, plus creation
/// lock files nobody holds. The caller holds the exclusive store lock.
/// Throws Error when something cannot be removed.
void RemoveSnapshotGarbage(const Snapshots& snapshots, const SnapshotScan& scan);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_SNAPSHOT_GC_H_
