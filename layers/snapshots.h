// Snapshots: extracted layer trees kept under the store, used as overlayfs
// lower directories. Each snapshot holds only its own layer's diff in
// overlay form (whiteouts as char 0/0 devices, opaque directories with
// trusted.overlay.opaque), and is named by the chain ID of its layer, so the
// lower directories of an image are the snapshots of its chain, top first.
//
// Layout under ROOT/.imgbuild:
//   snapshots/<chain hex>/tree/            the layer's tree
//   snapshots/<chain hex>/snapshot.json    its SnapshotRecord
//   snapshots/.work/<random>/              snapshots being built, RUN upper
//                                          dirs, snapshots being removed
//   snapshots/.locks/<chain hex>           one process builds a chain at a time
//   leases/<random>                        chains a live build uses
//
// Atomicity: a snapshot is assembled in a private directory under .work and
// appears under its name by one rename(2), so a crash of the process leaves
// either no snapshot or a complete one. A tree extracted from a layer blob
// is made durable (syncfs) before its rename, so that holds for machine
// crashes too. A RUN's upper directory is not flushed (syncfs costs tens of
// milliseconds per step): its record names the boot it was published in,
// and after a restart (a new boot ID) Inspect calls it stale, a kind of
// broken, so it is rebuilt from its layer blob, which is always durable.
// Renames into place happen under the chain's creation lock, so a second
// process building the same chain waits and then finds it done. Directories
// under .work stay flocked by their process; those of dead processes are
// half-built snapshots and Prune removes them.
//
// Reference counting: a snapshot is in use while an image reachable from
// index.json has its chain ID or a live build holds a lease naming it. A
// lease is a file flocked by the build, so a crashed build's leases expire by
// themselves. Chains are leased under the shared store lock before they are
// looked up or created, and Prune decides under the exclusive lock, so a
// snapshot a build was handed is never removed under it.
#ifndef IMGBUILD_LAYERS_SNAPSHOTS_H_
#define IMGBUILD_LAYERS_SNAPSHOTS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/oci.h"
#include "layers/snapshot_record.h"
#include "util/atomic_file.h"
#include "util/background_remover.h"
#include "util/fd.h"
#include "util/file_lock.h"
#include "util/temp_dir.h"

namespace imgbuild::layers {

class Store;

/// A build's claim on snapshots: while it lives (and its process lives),
/// Prune keeps every chain added to it. Made by Snapshots::NewLease; Ensure
/// and CommitUpper add the chains they hand out. Destroying it releases the
/// claim (the file is removed); a killed process's lease expires because
/// the kernel drops its flock.
class SnapshotLease {
 public:
  SnapshotLease(SnapshotLease&&) noexcept = default;
  SnapshotLease& operator=(SnapshotLease&&) = delete;

  /// The lease file.
  const std::string& path() const { return file_.path(); }
  /// The chain IDs leased so far.
  const std::set<Digest>& chain_ids() const { return chain_ids_; }

 private:
  friend class Snapshots;
  explicit SnapshotLease(TempFile file) : file_(std::move(file)) {}
  // Appends `chain_id`; the caller holds the store lock so that Prune sees
  // either none or all of the line.
  void Add(const Digest& chain_id);

  TempFile file_;
  std::set<Digest> chain_ids_;
};

/// A private directory under snapshots/.work, flocked while it lives and
/// removed with its content when destroyed. A RUN mounts its overlay with
/// upper() and work() from here, so that CommitUpper can adopt the upper
/// directory by rename.
class SnapshotWorkDir {
 public:
  SnapshotWorkDir(SnapshotWorkDir&&) noexcept = default;
  SnapshotWorkDir& operator=(SnapshotWorkDir&&) = delete;

  const std::string& path() const { return dir_.path(); }
  /// An empty directory for the overlay's upperdir.
  std::string upper() const { return path() + "/upper"; }
  /// An empty directory for the overlay's workdir (same filesystem as upper).
  std::string work() const { return path() + "/work"; }

 private:
  friend class Snapshots;
  SnapshotWorkDir(UniqueFd lock, TempDir dir) : lock_(std::move(lock)), dir_(std::move(dir)) {}

  UniqueFd lock_;  // Declared first: released only after dir_ is removed.
  TempDir dir_;
};

/// The snapshots of an image, ready to be stacked.
struct SnapshotStack {
  /// Chain IDs, base layer first.
  std::vector<Digest> chain_ids;
  /// The snapshot trees in overlayfs lowerdir order: top layer first.
  std::vector<std::string> lower_dirs;
};

/// A complete snapshot.
struct SnapshotInfo {
  SnapshotRecord record;
  std::string tree;  ///< The directory to use as an overlay lower dir.
};

/// What is at a snapshot's place.
struct SnapshotState {
  enum class Kind { kMissing, kComplete, kBroken };
  Kind kind = Kind::kMissing;
  std::optional<SnapshotInfo> info;  ///< Set when complete.
  std::string problem;               ///< Why it is broken.
  /// Broken only because its tree was published unflushed before the
  /// machine last restarted: expected after a reboot, not damage.
  bool stale = false;
};

/// The snapshots of one store. Cheap to construct; directories are created
/// when first needed. Any number of threads and processes may use the
/// snapshots of one store at once.
class Snapshots {
 public:
  /// `store` must outlive this object.
  explicit Snapshots(const Store& store);
  /// Same, as if the machine's boot ID (CurrentBootId) were `boot_id`: lets
  /// tests play a restart. "" means unknown: every tree is flushed before
  /// it is published and no unflushed one is trusted.
  Snapshots(const Store& store, std::string boot_id);

  /// ROOT/.imgbuild/snapshots.
  const std::string& root() const { return root_; }
  /// ROOT/.imgbuild/leases.
  const std::string& leases_dir() const { return leases_dir_; }
  /// snapshots/.work: where snapshots are assembled.
  std::string work_root() const { return root_ + "/.work"; }
  /// snapshots/.locks: per-chain creation locks.
  std::string locks_root() const { return root_ + "/.locks"; }
  /// snapshots/<hex of chain_id>, whether or not it exists.
  std::string DirOf(const Digest& chain_id) const;
  /// The tree of a snapshot: DirOf(chain_id) + "/tree".
  std::string TreeOf(const Digest& chain_id) const { return DirOf(chain_id) + "/tree"; }

  /// Starts a lease, held until the returned object dies. Throws Error when
  /// the lease file cannot be created.
  SnapshotLease NewLease() const;

  /// A fresh work directory with empty upper/ and work/ subdirectories for
  /// a RUN's overlay. Throws Error when it cannot be created.
  SnapshotWorkDir NewWorkDir() const;

  /// Makes sure every layer of the image (manifest layers, config diff IDs)
  /// has a snapshot, extracting missing ones from the layer blobs in the
  /// store and checking each against its diff ID; leases every chain to
  /// `lease` first. Returns the stack (empty for an image without layers).
  /// Snapshots found broken (see Inspect) are replaced. Throws Error when
  /// the manifest and config disagree on the layer count, a layer blob is
  /// missing (pull the image again), its content does not match its diff ID,
  /// or extraction fails; snapshots completed before stay.
  SnapshotStack Ensure(const Manifest& manifest, const ImageConfig& config,
                       SnapshotLease& lease) const;

  /// Adopts the upper directory of `work` (unmounted) as the snapshot of
  /// the layer with `diff_id` on top of chain `parent` (none: a base layer),
  /// by rename: no data is copied, nor flushed (see the top of this file).
  /// `diff_id` and `size` are what BuildOverlayUpperLayer returned for that
  /// upper directory (not verified again); `created_from` says what made it (e.g. the RUN step). Leases
  /// the new chain to `lease`. When the snapshot already exists (the same
  /// step ran elsewhere) the existing one is returned and the upper
  /// directory is discarded with `work`. Throws Error when the upper
  /// directory is missing or the snapshot cannot be published. With a
  /// `remover`, what is discarded (the overlay's work directory, a
  /// duplicate upper directory) is removed by it instead of before return.
  SnapshotInfo CommitUpper(SnapshotWorkDir&& work, const std::optional<Digest>& parent,
                           const Digest& diff_id, uint64_t size, std::string created_from,
                           SnapshotLease& lease, BackgroundRemover* remover = nullptr) const;

  /// Examines the snapshot of `chain_id`: missing, complete (record valid
  /// and naming this chain, tree a directory, flushed or published during
  /// this boot) or broken (why; `stale` when unflushed in an earlier boot).
  /// Throws Error only on I/O failure.
  SnapshotState Inspect(const Digest& chain_id) const;

  /// The names under root() that are not bookkeeping (dot) entries, sorted:
  /// normally chain-ID hex. Empty when there is no snapshot directory.
  std::vector<std::string> ListNames() const;

 private:
  // Creates root(), work_root(), locks_root() and leases_dir() if missing.
  void CreateDirectories() const;
  // A work directory; the caller holds the store lock (`held`), without
  // which Prune could take the new directory for an abandoned one.
  SnapshotWorkDir NewWorkDir(const FileLock& held) const;
  // Same, taking the lock itself; the directory is empty.
  SnapshotWorkDir EmptyWorkDir() const;
  // Leases `chains` under the shared store lock.
  void Lease(SnapshotLease& lease, const std::vector<Digest>& chains) const;
  // Extracts `layer` as the snapshot of `chain_id` unless it appeared meanwhile.
  void Create(const Descriptor& layer, const std::optional<Digest>& parent,
              const Digest& diff_id, const Digest& chain_id) const;
  // With the chain's creation lock held: the complete snapshot of
  // `chain_id`, or nullopt with its place free (a broken one is discarded).
  std::optional<SnapshotInfo> CompleteOrCleared(const Digest& chain_id) const;
  // Renames `work` (holding tree/) into place as the snapshot of
  // record.chain_id, after making it durable unless the record says it is
  // unsynced. The caller holds the chain's creation lock and has cleared
  // the place.
  void Publish(SnapshotWorkDir& work, const SnapshotRecord& record) const;
  // Moves the snapshot of `chain_id` out of the way and deletes it.
  void Discard(const Digest& chain_id) const;
  // Removes `path` (inside a work directory) now, or moves it to a work
  // directory of its own that `remover` removes (still flocked until then).
  void RemoveSoon(const std::string& path, BackgroundRemover* remover) const;

  const Store& store_;
  std::string root_;
  std::string leases_dir_;
  std::string boot_id_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_SNAPSHOTS_H_
