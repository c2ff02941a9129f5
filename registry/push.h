// Pushing an image from the store to a registry: the blobs of every
// manifest in parallel (see UploadBlob), then each manifest with its exact
// stored bytes and media type, an index's manifests before the index.
#ifndef IMGBUILD_REGISTRY_PUSH_H_
#define IMGBUILD_REGISTRY_PUSH_H_

#include "layers/oci.h"
#include "layers/store.h"
#include "registry/reference.h"
#include "registry/registry_client.h"

namespace imgbuild::registry {

/// Pushes `image` (a manifest or index in `store`) to `destination`
/// through `client` (for the destination's registry) and records the
/// pushed blobs in BlobSources. Returns the pushed descriptor, whose digest
/// equals the local one. Throws like registry::Push.
layers::Descriptor PushImage(RegistryClient& client, const layers::Store& store,
                             const layers::Descriptor& image, const Reference& destination);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_PUSH_H_
