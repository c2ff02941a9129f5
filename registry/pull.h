// Pulling an image from a registry into the store: the manifest (through
// an index, choosing the platform), then its config and layers, fetched in
// parallel and each verified; blobs the store has are not fetched.
#ifndef IMGBUILD_REGISTRY_PULL_H_
#define IMGBUILD_REGISTRY_PULL_H_

#include "layers/oci.h"
#include "layers/store.h"
#include "registry/reference.h"
#include "registry/registry.h"
#include "registry/registry_client.h"
#include "util/platform.h"

namespace imgbuild::registry {

/// The entry of `index` for `platform`: the first image manifest (or nested
/// index) whose platform matches. Throws Error naming `what` and listing
/// the platforms the index has when none does.
layers::Descriptor SelectPlatform(const layers::Index& index, const PlatformSpec& platform,
                                  std::string_view what);

/// Pulls `reference` for `platform` through `client` (connected to the
/// reference's registry) into `store`, and records where its blobs came
/// from (BlobSources). Throws like registry::Pull.
PullResult PullImage(RegistryClient& client, const layers::Store& store,
                     const Reference& reference, const PlatformSpec& platform);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_PULL_H_
