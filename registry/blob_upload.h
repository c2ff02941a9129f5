// Putting one blob from the store into a registry repository: skipped when
// the registry has it (HEAD), mounted from another repository of the same
// registry when one is known to hold it, else uploaded as stored: one PUT
// when small, PATCH chunks when large (a failed chunk is resumed from the
// offset the registry confirms).
#ifndef IMGBUILD_REGISTRY_BLOB_UPLOAD_H_
#define IMGBUILD_REGISTRY_BLOB_UPLOAD_H_

#include <string>
#include <vector>

#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry_client.h"

namespace imgbuild::registry {

enum class BlobUploadOutcome { kExisted, kMounted, kUploaded };

/// Makes blob `descriptor` (in `store`) present in `repository`.
/// `mount_sources` are repositories of the same registry that may hold it,
/// tried in order (only the first is asked: a failed mount already starts
/// the upload). Returns what was done. Throws Error naming the digest,
/// repository and URL when the registry refuses or fails for good.
BlobUploadOutcome UploadBlob(RegistryClient& client, const layers::Store& store,
                             const std::string& repository, const layers::Descriptor& descriptor,
                             const std::vector<std::string>& mount_sources);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_BLOB_UPLOAD_H_
