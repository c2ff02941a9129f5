// Garbage collection of the store: blobs that no image references,
// snapshots that no image or live build references, and temporary files
// that crashed writers left behind.
#ifndef IMGBUILD_LAYERS_STORE_PRUNE_H_
#define IMGBUILD_LAYERS_STORE_PRUNE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

struct PruneOptions {
  /// Blobs modified more recently are kept even when unreferenced: they may
  /// belong to a build in another process that has not tagged its image
  /// yet. 0 removes every unreferenced blob.
  std::chrono::seconds grace_period{0};
  /// Report what would be removed without removing it.
  bool dry_run = false;
  /// More roots besides index.json (build cache records will add theirs).
  std::vector<Descriptor> extra_roots{};
  /// Also drop the unnamed index.json entries (what a build without -t
  /// leaves; Docker's dangling images) whose manifest is older than
  /// `grace_period`, so that their blobs go too.
  bool unnamed_images = false;
};

struct PruneReport {
  std::vector<Digest> removed_images;           // unnamed entries dropped, sorted
  std::vector<Digest> removed_blobs;            // sorted
  std::vector<std::string> removed_snapshots;   // snapshot directories
  std::vector<std::string> removed_temp_files;  // paths: temp files, work dirs, expired leases
  int64_t bytes_freed = 0;
  bool dry_run = false;  // Nothing was actually removed.

  /// "removed 3 blobs and 1 temporary file, freed 1.2 MiB", naming
  /// unnamed images and snapshots too when some were removed ("removed 1
  /// unnamed image, 3 blobs, 2 snapshots and …"), or "would remove …" for a
  /// dry run.
  std::string Summary() const;
};

/// With `options.unnamed_images`, first drops unnamed index.json entries
/// (see PruneOptions). Then removes blobs not reachable from index.json (through nested indexes,
/// manifests, configs and layers) or `options.extra_roots`; snapshots whose
/// chain no reachable image config has and no live lease names, and broken
/// snapshots no lease names (see snapshot_gc.h); and temporary files,
/// snapshot work directories and leases whose process has died. Snapshot
/// bytes freed are their records' sizes. Holds the exclusive store lock
/// throughout.
/// Throws Error, removing nothing, when a referenced manifest or index is
/// missing or unreadable (what it references is unknown; fix or untag it
/// first) or index.json is invalid; throws on I/O failure.
PruneReport Prune(const Store& store, const PruneOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_STORE_PRUNE_H_
