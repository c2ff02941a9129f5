// Fetching a manifest or index from a registry, with content negotiation
// for the OCI and Docker schema 2 formats, and storing its exact bytes
// after checking them against the digest asked for or announced.
#ifndef IMGBUILD_REGISTRY_MANIFEST_FETCH_H_
#define IMGBUILD_REGISTRY_MANIFEST_FETCH_H_

#include <optional>
#include <string>
#include <string_view>

#include "layers/digest.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry_client.h"

namespace imgbuild::registry {

/// The Accept header of manifest requests: OCI index and manifest, Docker
/// manifest list and schema 2.
extern const char* const kManifestAccept;

/// The media type of a manifest document: `content_type` (parameters
/// dropped) when it names a manifest or index, else the document's
/// "mediaType", else guessed from its fields as the OCI spec allows.
/// Throws Error naming `origin` for Docker schema 1 or unknown documents.
std::string ManifestMediaType(std::string_view content_type, std::string_view bytes,
                              std::string_view origin);

/// GETs manifest `selector` (tag or digest) of `repository`, checks its
/// bytes against `expected` (when given) or the Docker-Content-Digest
/// header, stores them and returns their descriptor. Throws Error naming
/// the reference and URL when it is missing, too big, of an unknown kind or
/// does not match. The first request to an unconnected client connects it
/// (RegistryClient::SendFirst).
layers::Descriptor FetchManifest(RegistryClient& client, const layers::Store& store,
                                 const std::string& repository, const std::string& selector,
                                 const std::optional<layers::Digest>& expected);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_MANIFEST_FETCH_H_
