#include "builder/base_image.h"

#include <chrono>

#include "builder/layout_source.h"
#include "util/error.h"

namespace imgbuild::builder {
namespace {

using layers::Descriptor;

// NAME@DIGEST whose digest is in the store; its entry in index.json when
// there is one, else a descriptor of the blob.
std::optional<Descriptor> FindByDigest(const layers::Store& store, std::string_view reference) {
  size_t at = reference.rfind('@');
  if (at == std::string_view::npos || !layers::Digest::IsValid(reference.substr(at + 1))) {
    return std::nullopt;
  }
  layers::Digest digest = layers::Digest::Parse(reference.substr(at + 1));
  for (const layers::StoreImage& image : store.List()) {
    if (image.descriptor.digest == digest) return image.descriptor;
  }
  if (!store.HasBlob(digest)) return std::nullopt;
  return DescribeDocument(store.ReadBlob(digest), digest.ToString());
}

}  // namespace

std::optional<Descriptor> FindStoreImage(const layers::Store& store, const std::string& reference,
                                         std::string& why_not) {
  if (reference.find('@') != std::string::npos) {
    if (std::optional<Descriptor> found = FindByDigest(store, reference)) return found;
    why_not = "its digest is not in the store";
    return std::nullopt;
  }
  try {
    return store.Resolve(reference);
  } catch (const Error& error) {
    why_not = error.what();
    return std::nullopt;
  }
}

Descriptor ManifestForPlatform(const layers::Store& store, Descriptor descriptor,
                               const parser::Platform& platform, const std::string& what) {
  for (int depth = 0; layers::IsIndexMediaType(descriptor.media_type); ++depth) {
    if (depth == layers::kMaxIndexNesting) Fail("{}: indexes nest too deeply", what);
    descriptor = PickPlatformManifest(store.ReadIndex(descriptor), platform, what);
  }
  if (!layers::IsManifestMediaType(descriptor.media_type)) {
    Fail("{}: {} has media type \"{}\", not an image manifest or index", what,
         descriptor.digest.ToString(), descriptor.media_type);
  }
  return descriptor;
}

BaseImages::BaseImages(const layers::Store& store, parser::Platform target,
                       registry::RegistryOptions registry_options)
    : store_(store), target_(std::move(target)), registry_options_(std::move(registry_options)) {}

std::shared_ptr<const BaseImage> BaseImages::Resolve(const std::string& reference,
                                                     const std::string& platform) {
  parser::Platform wanted = platform.empty() ? target_ : parser::Platform::Parse(platform);
  std::pair<std::string, std::string> key{reference, wanted.ToString()};
  std::promise<std::shared_ptr<const BaseImage>> promise;
  std::shared_future<std::shared_ptr<const BaseImage>> result;
  bool mine = false;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = resolved_.try_emplace(key);
    if (inserted) {
      it->second = promise.get_future().share();
      mine = true;
    }
    result = it->second;
  }
  if (mine) {
    try {
      promise.set_value(ResolveUncached(reference, wanted));
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  return result.get();
}

std::shared_ptr<const BaseImage> BaseImages::ResolveUncached(
    const std::string& reference, const parser::Platform& platform) const {
  if (reference == "scratch") return nullptr;
  std::optional<Descriptor> found;
  if (reference.starts_with(kOciLayoutScheme)) {
    found = ImportFromOciLayout(store_, std::string_view(reference).substr(kOciLayoutScheme.size()),
                                platform);
  } else {
    std::string why_not;
    if (std::optional<Descriptor> stored = FindStoreImage(store_, reference, why_not)) {
      found = *stored;
    } else {
      try {
        found = registry::Pull(store_, reference, platform.ToString(), registry_options_).manifest;
      } catch (const Error& error) {
        Fail("image \"{}\" could not be found: {}; pulling it failed: {}", reference, why_not,
             error.what());
      }
    }
  }
  Descriptor resolved = *found;
  resolved.annotations.clear();
  resolved.platform.reset();
  Descriptor descriptor =
      ManifestForPlatform(store_, *found, platform, "image \"" + reference + "\"");
  descriptor.annotations.clear();
  descriptor.platform.reset();
  layers::Manifest manifest = store_.ReadManifest(descriptor);
  layers::ImageConfig config = store_.ReadConfig(manifest.config);
  return std::make_shared<const BaseImage>(
      BaseImage{reference, std::move(resolved), std::move(descriptor), std::move(manifest),
                std::move(config)});
}

std::vector<UsedBase> BaseImages::Used() const {
  std::lock_guard lock(mutex_);
  std::vector<UsedBase> used;
  for (const auto& [key, future] : resolved_) {
    if (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
    std::shared_ptr<const BaseImage> base;
    try {
      base = future.get();
    } catch (const Error&) {
      continue;  // a stage the target does not need named it
    }
    if (!base) continue;  // scratch
    used.push_back({.reference = key.first,
                    .platform = key.second,
                    .resolved = base->resolved.digest,
                    .manifest = base->descriptor.digest});
  }
  return used;
}

parser::BaseImageResolver BaseImages::GraphResolver() {
  return [this](const std::string& image, const std::string& platform) -> parser::BaseImageInfo {
    try {
      std::shared_ptr<const BaseImage> base = Resolve(image, platform);
      if (!base) return {};
      return {base->config.config.env, base->config.config.on_build};
    } catch (const Error&) {
      return {};
    }
  };
}

}  // namespace imgbuild::builder
