#include "layers/import_session.h"

#include "layers/store.h"
#include "util/error.h"

namespace imgbuild::layers {

ImportSession::ImportSession(const Store& store, std::string input, Fetch fetch)
    : store_(store), input_(std::move(input)), fetch_(std::move(fetch)), staging_(store) {}

void ImportSession::Require(const Descriptor& descriptor, const std::string& referrer) {
  const Digest& digest = descriptor.digest;
  int64_t size = 0;
  if (staging_.Has(digest)) {
    size = staging_.Size(digest);
  } else if (store_.HasBlob(digest)) {
    size = store_.BlobSize(digest);
  } else if (fetch_ && fetch_(descriptor, staging_)) {
    size = staging_.Size(digest);
  } else {
    Fail("{}: blob {} ({}) referenced by {} is missing", input_, digest.ToString(),
         descriptor.media_type, referrer);
  }
  if (size != descriptor.size) {
    Fail("{}: blob {} referenced by {} is {} bytes, but its descriptor says {}", input_,
         digest.ToString(), referrer, size, descriptor.size);
  }
  required_.insert(digest);
}

void ImportSession::RequireImage(const Descriptor& root, const std::string& referrer) {
  Walk(root, referrer, 0);
}

int64_t ImportSession::Size(const Digest& digest) const {
  return staging_.Has(digest) ? staging_.Size(digest) : store_.BlobSize(digest);
}

UniqueFd ImportSession::Open(const Digest& digest) const {
  return staging_.Has(digest) ? staging_.Open(digest) : store_.OpenBlob(digest);
}

std::string ImportSession::ReadJson(const Descriptor& descriptor) const {
  if (staging_.Has(descriptor.digest)) {
    return staging_.Read(descriptor.digest, Store::kMaxJsonBlobSize);
  }
  return store_.ReadBlob(descriptor);
}

void ImportSession::Walk(const Descriptor& descriptor, const std::string& referrer, int depth) {
  Require(descriptor, referrer);
  if (!walked_.insert(descriptor.digest).second) return;
  if (IsManifestMediaType(descriptor.media_type)) return WalkManifest(descriptor);
  if (!IsIndexMediaType(descriptor.media_type)) return;  // another artifact: copied as is
  if (depth >= kMaxIndexNesting) {
    Fail("{}: index {} is nested more than {} levels deep", input_, descriptor.digest.ToString(),
         kMaxIndexNesting);
  }
  std::string origin = input_ + ": index " + descriptor.digest.ToString();
  Index index = ParseIndex(ReadJson(descriptor), origin);
  for (const Descriptor& child : index.manifests) {
    Walk(child, "index " + descriptor.digest.ToString(), depth + 1);
  }
}

void ImportSession::WalkManifest(const Descriptor& descriptor) {
  std::string name = "manifest " + descriptor.digest.ToString();
  Manifest manifest = ParseManifest(ReadJson(descriptor), input_ + ": " + name);
  Require(manifest.config, name);
  for (const Descriptor& layer : manifest.layers) Require(layer, name);
  if (!IsImageConfigMediaType(manifest.config.media_type)) return;
  std::string config_name = "config " + manifest.config.digest.ToString();
  ImageConfig config = ParseImageConfig(ReadJson(manifest.config), input_ + ": " + config_name);
  if (config.diff_ids.size() != manifest.layers.size()) {
    Fail("{}: {} lists {} diff IDs but {} has {} layers", input_, config_name,
         config.diff_ids.size(), name, manifest.layers.size());
  }
}

std::pair<int64_t, int64_t> ImportSession::Publish() {
  int64_t blobs = 0;
  int64_t bytes = 0;
  for (const Digest& digest : required_) {
    if (!staging_.Has(digest) || store_.HasBlob(digest)) continue;
    ++blobs;
    bytes += staging_.Size(digest);
  }
  staging_.Publish(required_);
  return {blobs, bytes};
}

}  // namespace imgbuild::layers
