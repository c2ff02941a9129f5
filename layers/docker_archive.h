// The manifest.json and repositories files of a docker-archive (what
// `docker save` writes and `docker load`, `podman load` and skopeo's
// docker-archive: transport read). Since Docker 25, `docker save` puts
// them next to an OCI layout in the same tar, with member paths
// "blobs/sha256/<hex>"; imgbuild writes the same shape.
#ifndef IMGBUILD_LAYERS_DOCKER_ARCHIVE_H_
#define IMGBUILD_LAYERS_DOCKER_ARCHIVE_H_

#include <string>
#include <string_view>
#include <vector>

namespace imgbuild::layers {

/// One image of manifest.json. Paths are archive member names.
struct DockerArchiveImage {
  std::string config;
  std::vector<std::string> repo_tags{};  // "docker.io/library/app:1.0"
  std::vector<std::string> layers{};     // base first

  bool operator==(const DockerArchiveImage&) const = default;
};

/// manifest.json bytes: a JSON array of {"Config","RepoTags","Layers"} in
/// that order, with the trailing newline of Go's json.Encoder.
std::string SerializeDockerManifest(const std::vector<DockerArchiveImage>& images);

/// The legacy `repositories` file: {"name":{"tag":"<top layer id>"}}, which
/// only pre-1.10 Docker reads; the ID is the hex of the top layer's member.
/// Names are RepoTags split at the tag's ':'.
std::string SerializeDockerRepositories(const std::vector<DockerArchiveImage>& images);

/// Parses untrusted manifest.json text; `origin` names it in errors. Paths
/// are returned as written (the importer resolves them). Throws Error naming
/// the field for invalid JSON, a non-array, a missing Config or Layers.
std::vector<DockerArchiveImage> ParseDockerManifest(std::string_view json, std::string_view origin);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_DOCKER_ARCHIVE_H_
