#include "layers/image_info.h"

#include "layers/store.h"
#include "layers/store_walk.h"
#include "util/error.h"

namespace imgbuild::layers {
namespace {

using Json = nlohmann::ordered_json;

int64_t TotalSize(const Store& store, const Descriptor& root) {
  int64_t total = 0;
  for (const Digest& digest : WalkReferences(store, {root}).digests) {
    if (store.HasBlob(digest)) total += store.BlobSize(digest);
  }
  return total;
}

std::string CreatedOf(const Store& store, const Descriptor& descriptor, int depth) {
  if (IsManifestMediaType(descriptor.media_type)) {
    return store.ReadConfig(store.ReadManifest(descriptor).config).created;
  }
  if (!IsIndexMediaType(descriptor.media_type) || depth >= kMaxIndexNesting) return "";
  for (const Descriptor& child : store.ReadIndex(descriptor).manifests) {
    bool attestation = child.platform && child.platform->os == "unknown";
    if (attestation) continue;
    if (IsManifestMediaType(child.media_type) || IsIndexMediaType(child.media_type)) {
      return CreatedOf(store, child, depth + 1);
    }
  }
  return "";
}

Json DescribeManifest(const Store& store, const Descriptor& descriptor) {
  Json json;
  std::string manifest_bytes = store.ReadBlob(descriptor);
  Manifest manifest =
      ParseManifest(manifest_bytes, "manifest " + descriptor.digest.ToString());
  json["manifest"] = Json::parse(manifest_bytes);
  std::vector<Digest> diff_ids;
  if (IsImageConfigMediaType(manifest.config.media_type)) {
    std::string config_bytes = store.ReadBlob(manifest.config);
    diff_ids = ParseImageConfig(config_bytes, "config " + manifest.config.digest.ToString())
                   .diff_ids;
    json["config"] = Json::parse(config_bytes);
  }
  Json layers = Json::array();
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const Descriptor& layer = manifest.layers[i];
    layers.push_back({{"digest", layer.digest.ToString()},
                      {"mediaType", layer.media_type},
                      {"size", layer.size},
                      {"diffID", i < diff_ids.size() ? diff_ids[i].ToString() : ""}});
  }
  json["layers"] = std::move(layers);
  return json;
}

Json Describe(const Store& store, const Descriptor& descriptor, int depth) {
  Json json;
  json["digest"] = descriptor.digest.ToString();
  json["mediaType"] = descriptor.media_type;
  if (descriptor.platform) json["platform"] = ToJson(*descriptor.platform);
  json["size"] = TotalSize(store, descriptor);
  if (IsManifestMediaType(descriptor.media_type)) {
    json.update(DescribeManifest(store, descriptor));
  } else if (IsIndexMediaType(descriptor.media_type)) {
    if (depth >= kMaxIndexNesting) {
      Fail("index {} is nested too deeply", descriptor.digest.ToString());
    }
    std::string index_bytes = store.ReadBlob(descriptor);
    json["index"] = Json::parse(index_bytes);
    Json manifests = Json::array();
    for (const Descriptor& child :
         ParseIndex(index_bytes, "index " + descriptor.digest.ToString()).manifests) {
      manifests.push_back(Describe(store, child, depth + 1));
    }
    json["manifests"] = std::move(manifests);
  }
  return json;
}

}  // namespace

std::vector<ImageSummary> SummarizeImages(const Store& store) {
  std::vector<ImageSummary> summaries;
  for (const StoreImage& image : store.List()) {
    std::string created;
    try {
      created = CreatedOf(store, image.descriptor, 0);
    } catch (const Error&) {
      // A damaged image is still listed; fsck and inspect say what is wrong.
    }
    int64_t size = TotalSize(store, image.descriptor);
    summaries.push_back({image.name, image.descriptor, created, size});
  }
  return summaries;
}

Json InspectImage(const Store& store, const Descriptor& descriptor, const std::string& name) {
  Json json;
  json["name"] = name;
  json.update(Describe(store, descriptor, 0));
  return json;
}

}  // namespace imgbuild::layers
