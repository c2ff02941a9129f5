// Fetching one blob from a registry into the store: streamed, verified
// against its descriptor's digest and size, and resumed with a Range
// request after a transient failure when the registry (or the storage it
// redirects to) allows.
#ifndef IMGBUILD_REGISTRY_BLOB_DOWNLOAD_H_
#define IMGBUILD_REGISTRY_BLOB_DOWNLOAD_H_

#include <string>

#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry_client.h"

namespace imgbuild::registry {

/// Downloads the blob `descriptor` of `repository` into `store`. Throws
/// Error naming the digest and URL when the registry does not have it,
/// when it fails for good, or when the bytes do not match the digest or
/// size; nothing of the blob is kept then.
void DownloadBlob(RegistryClient& client, const layers::Store& store, const std::string& repository,
                  const layers::Descriptor& descriptor);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_BLOB_DOWNLOAD_H_
