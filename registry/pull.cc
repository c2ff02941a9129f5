#include "registry/pull.h"

#include <fmt/ranges.h>

#include "layers/platform_match.h"
#include "registry/blob_download.h"
#include "registry/blob_sources.h"
#include "registry/manifest_fetch.h"
#include "util/parallel_for.h"

namespace imgbuild::registry {
namespace {

// Blobs of `manifest` the store lacks (or holds with another size).
std::vector<layers::Descriptor> MissingBlobs(const layers::Store& store,
                                             const layers::Manifest& manifest) {
  std::vector<layers::Descriptor> missing;
  std::vector<layers::Descriptor> all = {manifest.config};
  all.insert(all.end(), manifest.layers.begin(), manifest.layers.end());
  for (const layers::Descriptor& blob : all) {
    bool present = store.HasBlob(blob.digest) && store.BlobSize(blob.digest) == blob.size;
    bool listed = std::any_of(missing.begin(), missing.end(),
                              [&](const layers::Descriptor& d) { return d.digest == blob.digest; });
    if (!present && !listed) missing.push_back(blob);
  }
  return missing;
}

}  // namespace

layers::Descriptor SelectPlatform(const layers::Index& index, const PlatformSpec& platform,
                                  std::string_view what) {
  layers::Platform wanted{.architecture = platform.architecture, .os = platform.os,
                          .variant = platform.variant};
  std::vector<std::string> available;
  for (const layers::Descriptor& entry : index.manifests) {
    bool nested_index = layers::IsIndexMediaType(entry.media_type) && entry.platform;
    if (!layers::IsImagePlatform(entry) && !nested_index) continue;
    if (layers::PlatformMatches(*entry.platform, wanted)) return entry;
    available.push_back(layers::PlatformText(entry.platform));
  }
  if (available.empty()) {
    Fail("{} has no image for {}: its index lists no platform images", what, platform.ToString());
  }
  Fail("{} has no image for {}; available: {} (choose one with --platform)", what,
       platform.ToString(), fmt::join(available, ", "));
}

PullResult PullImage(RegistryClient& client, const layers::Store& store,
                     const Reference& reference, const PlatformSpec& platform) {
  std::string what = reference.ToString();
  layers::Descriptor resolved = FetchManifest(client, store, reference.repository,
                                              reference.ManifestSelector(), reference.digest);
  layers::Descriptor manifest = resolved;
  std::vector<layers::Digest> pulled = {resolved.digest};
  for (int depth = 0; layers::IsIndexMediaType(manifest.media_type); ++depth) {
    if (depth == layers::kMaxIndexNesting) Fail("{}: indexes nested too deep", what);
    layers::Descriptor entry = SelectPlatform(store.ReadIndex(manifest), platform, what);
    manifest = FetchManifest(client, store, reference.repository, entry.digest.ToString(),
                             entry.digest);
    manifest.platform = entry.platform;
    pulled.push_back(manifest.digest);
  }
  layers::Manifest parsed = store.ReadManifest(manifest);
  std::vector<layers::Descriptor> missing = MissingBlobs(store, parsed);
  client.Log(fmt::format("{}: {} of {} blobs to fetch", what, missing.size(),
                         parsed.layers.size() + 1));
  ParallelFor(missing.size(), client.options().parallel_transfers, [&](size_t i) {
    DownloadBlob(client, store, reference.repository, missing[i]);
  });
  pulled.push_back(parsed.config.digest);
  for (const layers::Descriptor& layer : parsed.layers) pulled.push_back(layer.digest);
  BlobSources(store).Record(reference.Name(), pulled);
  return PullResult{what, resolved, manifest};
}

}  // namespace imgbuild::registry
