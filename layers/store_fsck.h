// Checking a store: every blob against its digest, every reference from
// index.json down to the layers, every snapshot record, and what could be
// cleaned up.
#ifndef IMGBUILD_LAYERS_STORE_FSCK_H_
#define IMGBUILD_LAYERS_STORE_FSCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

struct FsckIssue {
  enum class Kind {
    kBadLayout,       // oci-layout or index.json unreadable or invalid, duplicate names
    kCorruptBlob,     // content does not hash to the blob's name
    kMissingBlob,     // referenced but absent
    kSizeMismatch,    // present but not the size its descriptor says
    kInvalidContent,  // a referenced manifest, index or config that is malformed or inconsistent
    kStrayFile,       // something under blobs/ that is not a blob
    kOrphanBlob,      // unreferenced blob: cleanable by Prune
    kStaleTempFile,   // temporary file, snapshot work dir or lease of a dead process: cleanable
    kBrokenSnapshot,  // snapshot with a missing or invalid record or tree
    kStaleSnapshot,   // snapshot published unflushed before a reboot: cleanable, rebuilt when needed
    kOrphanSnapshot,  // snapshot no image or live build references: cleanable by Prune
  };
  Kind kind;
  std::string subject;  // A digest or a path.
  std::string detail;

  /// Orphans and stale temporary files are waste, not damage.
  bool cleanable() const {
    return kind == Kind::kOrphanBlob || kind == Kind::kStaleTempFile ||
           kind == Kind::kOrphanSnapshot || kind == Kind::kStaleSnapshot;
  }
  /// "corrupt blob", "orphan blob", ...
  static std::string_view KindName(Kind kind);
};

struct FsckReport {
  std::string root;
  int64_t blobs_checked = 0;
  int64_t bytes_checked = 0;
  int64_t images = 0;  // index.json entries
  int64_t snapshots = 0;  // snapshot directories looked at
  std::vector<FsckIssue> issues;

  /// No issue other than cleanable ones.
  bool consistent() const;
  /// Issues of one kind.
  std::vector<FsckIssue> Of(FsckIssue::Kind kind) const;
  /// A first line with the totals, then one line per issue.
  std::string Summary() const;
};

struct FsckOptions {
  /// More roots besides index.json, as in PruneOptions.
  std::vector<Descriptor> extra_roots{};
};

/// Verifies the store. Problems are reported, not thrown; Error is thrown
/// only when the store cannot be read at all (I/O failure).
FsckReport Fsck(const Store& store, const FsckOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_STORE_FSCK_H_
