// The build cache: every step has a key (a digest of everything that
// decides its result), and steps that made a layer leave a record mapping
// their key to that layer. A later build whose step has the same key takes
// the layer instead of running the step.
//
// Records are JSON files ROOT/.imgbuild/cache/<key hex>.json, written
// atomically, each self-contained (key, layer descriptor, diff ID, history
// text), so they can later be exported to and imported from a registry.
// A record is only good while its layer blob is in the store: Prune does
// not keep blobs for the cache, and a pruned blob makes the record a miss.
#ifndef IMGBUILD_BUILDER_BUILD_CACHE_H_
#define IMGBUILD_BUILDER_BUILD_CACHE_H_

#include <optional>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "parser/instructions.h"

namespace imgbuild::builder {

/// What a layer step left behind.
struct CacheRecord {
  layers::Descriptor layer;  ///< Media type, blob digest and size.
  layers::Digest diff_id;
  std::string created_by{};  ///< Its history text.
};

/// What goes into a step's key besides its parent's key.
struct StepKeyInput {
  const parser::Instruction* instruction = nullptr;  ///< Expanded.
  /// Build args the step sees (RUN: all in scope; they are its environment).
  std::vector<parser::KeyValue> build_args{};
  std::string platform{};  ///< The stage's platform, "os/arch[/variant]".
  /// COPY/ADD: PreparedCopy::content_digest().
  std::optional<layers::Digest> content{};
  /// Anything else that changes the result: the layer format (compression,
  /// SOURCE_DATE_EPOCH) for layer steps, the default network for RUN.
  std::string environment{};
};

/// The key a stage starts from: its base image's manifest digest (or
/// "scratch") and the platform.
layers::Digest BaseCacheKey(const std::string& base, const std::string& platform);

/// The key of a step after `parent`: sha256 over a canonical JSON of the
/// parent key and `input` (the instruction without its line numbers, so
/// moving a step does not change its key).
layers::Digest StepCacheKey(const layers::Digest& parent, const StepKeyInput& input);

/// The cache records of one store.
class BuildCache {
 public:
  /// `store` must outlive this object.
  explicit BuildCache(const layers::Store& store);

  /// ROOT/.imgbuild/cache/<key hex>.json.
  std::string RecordPath(const layers::Digest& key) const;

  /// The record of `key` when it exists, parses and its layer blob is in
  /// the store; nullopt otherwise (a damaged record is a miss, not an error).
  std::optional<CacheRecord> Lookup(const layers::Digest& key) const;

  /// Writes the record of `key` atomically (replacing an older one) but
  /// without an fsync: after a machine crash it may be gone, which is a
  /// cache miss. Throws Error naming the file.
  void Put(const layers::Digest& key, const CacheRecord& record) const;

 private:
  const layers::Store& store_;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_BUILD_CACHE_H_
