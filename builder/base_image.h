// The images a build starts from (FROM) or copies out of (COPY --from=IMAGE):
// `scratch`, an image in the store (by name or digest), an OCI layout
// directory (`oci-layout://PATH[:TAG|@DIGEST]`, BuildKit's naming), or else
// a registry pull. Each reference is resolved once per build.
#ifndef IMGBUILD_BUILDER_BASE_IMAGE_H_
#define IMGBUILD_BUILDER_BASE_IMAGE_H_

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builder/build_options.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "parser/graph.h"
#include "parser/platform.h"
#include "registry/registry.h"

namespace imgbuild::builder {

/// A resolved base image: a single-platform manifest in the store with its
/// config, every blob present.
struct BaseImage {
  std::string reference;          ///< As the recipe names it.
  layers::Descriptor resolved;    ///< What it named: an index, or the manifest itself.
  layers::Descriptor descriptor;  ///< The manifest.
  layers::Manifest manifest;
  layers::ImageConfig config;
};

/// The image of `store` that `reference` names: NAME[:TAG], a digest
/// (prefix), or NAME@DIGEST whose digest is in the store (its index.json
/// entry, else a descriptor of the blob). nullopt when it is not there,
/// with the reason in `why_not`. Throws Error only for an unreadable store.
std::optional<layers::Descriptor> FindStoreImage(const layers::Store& store,
                                                 const std::string& reference,
                                                 std::string& why_not);

/// The single-platform manifest below `descriptor` (a manifest, or an
/// index whose entry for `platform` is taken, recursively). Throws Error
/// naming `what` when there is none or it is not an image manifest.
layers::Descriptor ManifestForPlatform(const layers::Store& store, layers::Descriptor descriptor,
                                       const parser::Platform& platform, const std::string& what);

/// Resolves and caches base images for one build. Thread-safe: concurrent
/// requests for the same reference wait for one resolution.
class BaseImages {
 public:
  /// `store` must outlive this object. `target` is the platform of images
  /// whose FROM names none.
  BaseImages(const layers::Store& store, parser::Platform target,
             registry::RegistryOptions registry_options = {});

  /// The image `reference` names for `platform` ("" = the target platform),
  /// nullptr for `scratch`. Looks in this order: oci-layout://, the store (a name, a
  /// digest prefix, or NAME@DIGEST with the digest present), a registry
  /// pull. An index yields its manifest for the platform. Throws Error
  /// saying what was tried (and, for a failed pull, why); the failure is
  /// cached like a success.
  std::shared_ptr<const BaseImage> Resolve(const std::string& reference,
                                           const std::string& platform);

  /// What the graph needs for ONBUILD and ENV of image bases. A reference
  /// that cannot be resolved reads as an image without ENV or triggers, so
  /// a stage the target does not need cannot fail the build; a stage that
  /// runs gets the error from Resolve.
  parser::BaseImageResolver GraphResolver();

  /// The bases resolved so far (failed ones left out), sorted by reference
  /// and platform: what a build's metadata names as the exact bases it used.
  std::vector<UsedBase> Used() const;

 private:
  std::shared_ptr<const BaseImage> ResolveUncached(const std::string& reference,
                                                   const parser::Platform& platform) const;

  const layers::Store& store_;
  parser::Platform target_;
  registry::RegistryOptions registry_options_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>,
           std::shared_future<std::shared_ptr<const BaseImage>>>
      resolved_;
};

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_BASE_IMAGE_H_
