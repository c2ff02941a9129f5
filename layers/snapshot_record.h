// The record kept beside each extracted layer tree (snapshot): which chain
// it completes, on top of which parent, from which layer. Small JSON, so a
// human can read it and fsck can check it without touching the tree.
#ifndef IMGBUILD_LAYERS_SNAPSHOT_RECORD_H_
#define IMGBUILD_LAYERS_SNAPSHOT_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "layers/digest.h"

namespace imgbuild::layers {

struct SnapshotRecord {
  /// The chain ID of the layers up to and including this one; the
  /// snapshot's directory name is its hex.
  Digest chain_id;
  /// The chain ID of the layers below; none for a base layer.
  std::optional<Digest> parent = std::nullopt;
  /// The diff ID of this snapshot's own layer.
  Digest diff_id;
  /// Bytes of the layer's uncompressed tar: about what the tree occupies.
  uint64_t size = 0;
  /// Where the tree came from: "layer sha256:…" (extracted from a blob) or
  /// what the builder says (e.g. the RUN step it ran).
  std::string created_from;
  /// Set when the tree was published without being flushed to disk: the
  /// boot ID (CurrentBootId) of that moment. Such a tree is complete while
  /// the machine has not restarted, and untrustworthy after.
  std::optional<std::string> unsynced_boot = std::nullopt;

  bool operator==(const SnapshotRecord&) const = default;
};

/// The record as canonical JSON (keys in declaration order, parent omitted
/// for a base layer, unsynced_boot for a flushed tree).
std::string SerializeSnapshotRecord(const SnapshotRecord& record);

/// Parses a record; `origin` names it in errors. Throws Error for invalid
/// JSON, a missing or malformed field, or a chain ID that does not follow
/// from the parent and the diff ID.
SnapshotRecord ParseSnapshotRecord(std::string_view json, std::string_view origin);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_SNAPSHOT_RECORD_H_
