// Image references as Docker reads them, resolved to what the distribution
// protocol needs: which registry to connect to, which repository, and which
// manifest (tag or digest). The name grammar is layers::ImageName's.
#ifndef IMGBUILD_REGISTRY_REFERENCE_H_
#define IMGBUILD_REGISTRY_REFERENCE_H_

#include <optional>
#include <string>
#include <string_view>

#include "layers/digest.h"

namespace imgbuild::registry {

/// The registry name Docker Hub is known by in references and config.json.
inline constexpr std::string_view kDockerHub = "docker.io";

/// A fully qualified image reference.
struct Reference {
  std::string registry;    ///< "docker.io", "host:5000", "localhost", "[::1]:5000".
  std::string repository;  ///< "library/busybox", "ns/app".
  std::string tag;         ///< "" when only a digest was given.
  std::optional<layers::Digest> digest;  ///< Set for "name@sha256:…"; wins over the tag.

  /// Parses `text` with Docker's rules: "busybox" is
  /// docker.io/library/busybox:latest, "ns/app" is docker.io/ns/app:latest,
  /// "host:5000/a/b:t", "localhost/app", "10.0.0.1:5000/app@sha256:…";
  /// "index.docker.io" means docker.io. Throws Error quoting `text` and
  /// saying what is wrong.
  static Reference Parse(std::string_view text);

  /// "registry/repository".
  std::string Name() const;
  /// "docker.io/library/busybox:latest", or "…@sha256:…" for a digest
  /// reference ("name:tag@sha256:…" when both were given).
  std::string ToString() const;
  /// What follows /manifests/ in a URL: the digest when known, else the tag.
  std::string ManifestSelector() const;

  bool operator==(const Reference&) const = default;
};

/// A registry name as users write it ("docker.io", "index.docker.io",
/// "https://index.docker.io/v1/", "http://host:5000") reduced to the form
/// references use ("docker.io", "host:5000").
std::string NormalizeRegistryName(std::string_view text);

/// The host[:port] to connect to for `registry`: Docker Hub's API lives at
/// registry-1.docker.io, every other registry at its own name.
std::string RegistryEndpoint(std::string_view registry);

/// Whether `host` ("localhost:5000", "127.0.0.1", "[::1]:5000") names this
/// machine, where plain HTTP is acceptable.
bool IsLoopbackHost(std::string_view host);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_REFERENCE_H_
