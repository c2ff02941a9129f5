// Blobs an import has verified but not yet published: an import publishes
// nothing until the whole input checks out, so bad input never leaves
// blobs behind. Staged blobs live as sealed temporary files in the store's
// tmp directory (same filesystem, so publishing is a rename) and vanish if
// the import fails or its process dies (Prune removes those).
#ifndef IMGBUILD_LAYERS_BLOB_STAGING_H_
#define IMGBUILD_LAYERS_BLOB_STAGING_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "layers/blob_writer.h"
#include "layers/digest.h"

namespace imgbuild::layers {

class Store;

class BlobStaging {
 public:
  /// Stages into `store`, which must outlive this object.
  explicit BlobStaging(const Store& store) : store_(store) {}

  /// A writer to fill and hand to Add.
  BlobWriter NewWriter(DigestAlgorithm algorithm = DigestAlgorithm::kSha256) const;

  /// Seals `writer` against the expectations and keeps it; returns its
  /// digest. A second copy of a staged digest is dropped. Throws Error
  /// prefixed with `what` (the input the bytes came from) on mismatch.
  Digest Add(BlobWriter writer, const std::optional<Digest>& expected_digest,
             std::optional<int64_t> expected_size, std::string_view what);

  /// Whether the store already has `digest` (so it need not be staged).
  bool InStore(const Digest& digest) const;
  /// Whether `digest` is staged.
  bool Has(const Digest& digest) const { return staged_.contains(digest); }
  /// The staged blob's size. Throws Error when it is not staged.
  int64_t Size(const Digest& digest) const;
  /// Opens the staged blob for reading. Throws Error when it is not staged.
  UniqueFd Open(const Digest& digest) const;
  /// Reads a staged blob of at most `max_size` bytes. Throws Error naming
  /// the digest when it is not staged or larger.
  std::string Read(const Digest& digest, size_t max_size) const;

  /// Publishes the staged blobs among `digests` into the store; digests
  /// that are not staged are skipped (the store has them). The rest are
  /// discarded when this object dies. Throws Error on I/O failure.
  void Publish(const std::set<Digest>& digests);

 private:
  struct Staged {
    BlobWriter writer;
    int64_t size;
  };
  const Staged& Find(const Digest& digest) const;

  const Store& store_;
  std::map<Digest, Staged> staged_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_BLOB_STAGING_H_
