#include "layers/store_walk.h"

#include <utility>

#include "layers/chain_id.h"
#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

struct Pending {
  Descriptor descriptor;
  std::string referrer;  // "image \"app:latest\"", "layer 2 of manifest sha256:…"
};

bool HasReferences(const Descriptor& descriptor) {
  return IsManifestMediaType(descriptor.media_type) || IsIndexMediaType(descriptor.media_type);
}

class Walker {
 public:
  explicit Walker(const Store& store) : store_(store) {}

  Reachability Run(const std::vector<Descriptor>& roots) {
    for (const Descriptor& root : roots) pending_.push_back({root, RootName(root)});
    while (!pending_.empty()) {
      Pending next = std::move(pending_.back());
      pending_.pop_back();
      if (result_.digests.insert(next.descriptor.digest).second) Visit(next);
    }
    return std::move(result_);
  }

 private:
  static std::string RootName(const Descriptor& root) {
    auto name = root.annotations.find(std::string(annotations::kRefName));
    if (name != root.annotations.end()) return fmt::format("image \"{}\"", name->second);
    return "root " + root.digest.ToString();
  }

  void Problem(ReferenceProblem::Kind kind, const Descriptor& descriptor, std::string detail) {
    result_.problems.push_back(
        {kind, descriptor.digest, std::move(detail), HasReferences(descriptor)});
  }

  void Visit(const Pending& item) {
    const Descriptor& descriptor = item.descriptor;
    std::string digest = descriptor.digest.ToString();
    if (!store_.HasBlob(descriptor.digest)) {
      Problem(ReferenceProblem::Kind::kMissing, descriptor,
              fmt::format("blob {} ({}) referenced by {} is missing", digest, descriptor.media_type,
                          item.referrer));
      return;
    }
    int64_t size = store_.BlobSize(descriptor.digest);
    if (size != descriptor.size) {
      Problem(ReferenceProblem::Kind::kSizeMismatch, descriptor,
              fmt::format("blob {} is {} bytes but {} says {}", digest, size, item.referrer,
                          descriptor.size));
      return;
    }
    try {
      if (IsManifestMediaType(descriptor.media_type)) VisitManifest(descriptor);
      if (IsIndexMediaType(descriptor.media_type)) VisitIndex(descriptor);
    } catch (const Error& e) {
      Problem(ReferenceProblem::Kind::kInvalid, descriptor,
              fmt::format("{} (referenced by {})", e.what(), item.referrer));
    }
  }

  void VisitManifest(const Descriptor& descriptor) {
    Manifest manifest = store_.ReadManifest(descriptor);
    std::string owner = "manifest " + descriptor.digest.ToString();
    pending_.push_back({manifest.config, "config of " + owner});
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      pending_.push_back({manifest.layers[i], fmt::format("layer {} of {}", i, owner)});
    }
    CheckConfig(manifest, owner);
  }

  // An image config must be readable and list one diff_id per layer.
  void CheckConfig(const Manifest& manifest, const std::string& owner) {
    const Descriptor& config = manifest.config;
    if (!IsImageConfigMediaType(config.media_type) || !store_.HasBlob(config.digest) ||
        store_.BlobSize(config.digest) != config.size) {
      return;  // Reported when the config itself is visited.
    }
    try {
      std::vector<Digest> diff_ids = store_.ReadConfig(config).diff_ids;
      if (diff_ids.size() != manifest.layers.size()) {
        Fail("config {} lists {} diff_ids but {} has {} layers", config.digest.ToString(),
             diff_ids.size(), owner, manifest.layers.size());
      }
      for (const Digest& chain : ChainIds(diff_ids)) result_.chain_ids.insert(chain);
    } catch (const Error& e) {
      Problem(ReferenceProblem::Kind::kInvalid, config,
              fmt::format("{} (config of {})", e.what(), owner));
    }
  }

  void VisitIndex(const Descriptor& descriptor) {
    Index index = store_.ReadIndex(descriptor);
    for (size_t i = 0; i < index.manifests.size(); ++i) {
      pending_.push_back({index.manifests[i],
                          fmt::format("entry {} of index {}", i, descriptor.digest.ToString())});
    }
  }

  const Store& store_;
  std::vector<Pending> pending_;
  Reachability result_;
};

}  // namespace

Reachability WalkReferences(const Store& store, const std::vector<Descriptor>& roots) {
  return Walker(store).Run(roots);
}

}  // namespace imgbuild::layers
