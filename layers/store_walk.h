// Following references through the store: index.json entries -> manifests
// -> config and layers, indexes -> manifests, to any depth. Shared by Tag
// (is the image complete?), Prune (what is reachable?) and Fsck.
#ifndef IMGBUILD_LAYERS_STORE_WALK_H_
#define IMGBUILD_LAYERS_STORE_WALK_H_

#include <set>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// A reference that cannot be followed.
struct ReferenceProblem {
  enum class Kind {
    kMissing,       // the blob is not in the store
    kSizeMismatch,  // the blob's size differs from its descriptor's
    kInvalid,       // a manifest, index or config that is corrupt or inconsistent
  };
  Kind kind;
  Digest digest;
  std::string detail;  // A sentence naming the blob and who references it.
  /// True for a manifest or index whose own references are therefore unknown.
  bool hides_references = false;
};

struct Reachability {
  std::set<Digest> digests;  // Every digest referenced, present or not.
  // Chain IDs of every layer prefix of every readable image config reached:
  // the snapshots the images need.
  std::set<Digest> chain_ids;
  std::vector<ReferenceProblem> problems;
};

/// Walks everything reachable from `roots`. Manifests, indexes and image
/// configs are read and verified (digest, size, JSON, config diff_ids
/// matching the layer count); layers are only checked for presence and
/// size; the chain IDs of valid configs are collected. Problems are
/// returned, not thrown; I/O failures throw Error.
Reachability WalkReferences(const Store& store, const std::vector<Descriptor>& roots);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_STORE_WALK_H_
