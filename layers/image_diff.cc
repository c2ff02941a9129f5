#include "layers/image_diff.h"

#include <map>

#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

// A document read for comparison: checked by the typed parser, compared as
// the JSON it is (fields imgbuild does not model included).
nlohmann::ordered_json ReadDocument(const ImageHandle& image, const Descriptor& descriptor) {
  std::string bytes = image.store->ReadBlob(descriptor);
  return ParseForComparison(bytes, descriptor.digest.ToString());
}

void CompareDocuments(std::string_view document, const ImageHandle& a, const Descriptor& doc_a,
                      const ImageHandle& b, const Descriptor& doc_b,
                      std::vector<DocumentChange>& out) {
  if (doc_a.digest == doc_b.digest) return;
  size_t before = out.size();
  CompareJson(document, ReadDocument(a, doc_a), ReadDocument(b, doc_b), out);
  if (out.size() == before) {
    out.push_back({std::string(document), "", doc_a.digest.ToString(), doc_b.digest.ToString()});
  }
}

LayerStack StackOf(const ImageHandle& image, const Manifest& manifest, const ImageConfig& config) {
  if (manifest.layers.size() != config.diff_ids.size()) {
    Fail("image {} in store {} is invalid: its manifest lists {} layers but its config {} has {} "
         "diff IDs",
         image.descriptor.digest.ToString(), image.store->root(), manifest.layers.size(),
         manifest.config.digest.ToString(), config.diff_ids.size());
  }
  return {image.store, manifest.layers, config.diff_ids};
}

std::string PlatformName(const Platform& platform) {
  std::string name = platform.os + "/" + platform.architecture;
  return platform.variant.empty() ? name : name + "/" + platform.variant;
}

class Comparer {
 public:
  explicit Comparer(const ImageDiffOptions& options) : options_(options) {}

  ImageDiff Compare(const ImageHandle& a, const ImageHandle& b, int depth) {
    if (depth > kMaxIndexNesting) {
      Fail("image {} nests indexes deeper than {} levels", a.descriptor.digest.ToString(),
           kMaxIndexNesting);
    }
    ImageDiff diff{.a = a.descriptor, .b = b.descriptor};
    if (diff.identical()) return diff;
    bool index_a = IsIndexMediaType(a.descriptor.media_type);
    bool index_b = IsIndexMediaType(b.descriptor.media_type);
    std::vector<DocumentChange> documents;
    if (index_a && index_b) {
      CompareDocuments("index", a, a.descriptor, b, b.descriptor, documents);
      diff.platforms = CompareChildren(a, b, depth);
    } else if (index_a || index_b) {
      documents.push_back({"image", "mediaType", a.descriptor.media_type,
                           b.descriptor.media_type});
      diff.platforms = CompareIndexWithManifest(a, b, index_a, depth);
    } else {
      CompareManifests(a, b, documents, diff);
    }
    diff.documents = Cap(std::move(documents), options_.max_items);
    return diff;
  }

 private:
  void CompareManifests(const ImageHandle& a, const ImageHandle& b,
                        std::vector<DocumentChange>& documents, ImageDiff& diff) {
    Manifest manifest_a = a.store->ReadManifest(a.descriptor);
    Manifest manifest_b = b.store->ReadManifest(b.descriptor);
    ImageConfig config_a = a.store->ReadConfig(manifest_a.config);
    ImageConfig config_b = b.store->ReadConfig(manifest_b.config);
    // The config first: its differences (created, history) are usually
    // the cause, the manifest's (config and layer digests) the consequence.
    CompareDocuments("config", a, manifest_a.config, b, manifest_b.config, documents);
    CompareDocuments("manifest", a, a.descriptor, b, b.descriptor, documents);
    diff.files = CompareLayerStacks(StackOf(a, manifest_a, config_a),
                                    StackOf(b, manifest_b, config_b), options_.max_items);
  }

  // Children keyed by platform, else by position.
  static std::map<std::string, Descriptor> Children(const ImageHandle& image) {
    Index index = image.store->ReadIndex(image.descriptor);
    std::map<std::string, Descriptor> children;
    for (size_t i = 0; i < index.manifests.size(); ++i) {
      const Descriptor& child = index.manifests[i];
      std::string key = child.platform ? PlatformName(*child.platform)
                                       : fmt::format("manifests[{}]", i);
      children.emplace(key, child);
    }
    return children;
  }

  std::vector<ImageDiff> CompareChildren(const ImageHandle& a, const ImageHandle& b, int depth) {
    std::map<std::string, Descriptor> children_b = Children(b);
    std::vector<ImageDiff> diffs;
    for (const auto& [platform, child_a] : Children(a)) {
      auto match = children_b.find(platform);
      if (match == children_b.end() || match->second.digest == child_a.digest) continue;
      diffs.push_back(Compare({a.store, child_a}, {b.store, match->second}, depth + 1));
      diffs.back().platform = platform;
    }
    return diffs;
  }

  // Compares the manifest with the index's manifest for the same platform.
  std::vector<ImageDiff> CompareIndexWithManifest(const ImageHandle& a, const ImageHandle& b,
                                                  bool index_is_a, int depth) {
    const ImageHandle& index = index_is_a ? a : b;
    const ImageHandle& manifest = index_is_a ? b : a;
    ImageConfig config =
        manifest.store->ReadConfig(manifest.store->ReadManifest(manifest.descriptor).config);
    std::string platform = PlatformName(
        {.architecture = config.architecture, .os = config.os, .variant = config.variant});
    std::map<std::string, Descriptor> children = Children(index);
    auto match = children.find(platform);
    if (match == children.end()) return {};
    ImageHandle child{index.store, match->second};
    ImageDiff diff = index_is_a ? Compare(child, b, depth + 1) : Compare(a, child, depth + 1);
    diff.platform = platform;
    return {std::move(diff)};
  }

  const ImageDiffOptions& options_;
};

}  // namespace

ImageDiff CompareImages(const ImageHandle& a, const ImageHandle& b,
                        const ImageDiffOptions& options) {
  return Comparer(options).Compare(a, b, 0);
}

}  // namespace imgbuild::layers
