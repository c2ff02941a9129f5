// The verification half of an import: which blobs the imported images
// need, that each is present with the size its descriptor says, and that
// manifests, indexes and configs are valid, all against a staging area
// that is published only once everything checks out.
#ifndef IMGBUILD_LAYERS_IMPORT_SESSION_H_
#define IMGBUILD_LAYERS_IMPORT_SESSION_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "layers/blob_staging.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

class ImportSession {
 public:
  /// Stages a blob the input holds, verified against the descriptor; returns
  /// false when the input lacks it. Throws Error on mismatch.
  using Fetch = std::function<bool(const Descriptor&, BlobStaging&)>;

  /// `input` names the input in errors. `fetch` may be empty (everything
  /// was staged up front).
  ImportSession(const Store& store, std::string input, Fetch fetch = {});

  BlobStaging& staging() { return staging_; }
  const std::string& input() const { return input_; }

  /// Makes the blob available (staged, or already in the store) and checks
  /// its size. Throws Error naming the digest and `referrer` when it is
  /// missing or has another size.
  void Require(const Descriptor& descriptor, const std::string& referrer);

  /// Requires `root` and everything it references, parsing manifests,
  /// indexes and configs (a config must list a diff ID per layer). Throws
  /// Error naming the document and the field.
  void RequireImage(const Descriptor& root, const std::string& referrer);

  /// The size of a staged blob, or else of the store's. Throws Error when
  /// neither has it.
  int64_t Size(const Digest& digest) const;
  /// Opens a staged blob, or else the store's. Throws like Size.
  UniqueFd Open(const Digest& digest) const;

  /// Reads a required manifest, index or config (at most
  /// Store::kMaxJsonBlobSize bytes).
  std::string ReadJson(const Descriptor& descriptor) const;

  /// Publishes every required blob that was staged; returns how many blobs
  /// and bytes the store gained.
  std::pair<int64_t, int64_t> Publish();

 private:
  void Walk(const Descriptor& descriptor, const std::string& referrer, int depth);
  void WalkManifest(const Descriptor& descriptor);

  const Store& store_;
  std::string input_;
  Fetch fetch_;
  BlobStaging staging_;
  std::set<Digest> required_;
  std::set<Digest> walked_;
};

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMPORT_SESSION_H_
