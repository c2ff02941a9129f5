// OCI image-spec and Docker image formats: media types, descriptors,
// manifests, indexes and image configs, with byte-stable JSON in and out.
//
// Output key order is the declaration order of the Go types in
// opencontainers/image-spec specs-go/v1 and moby's DockerOCIImageConfig,
// which is what BuildKit's json.Marshal writes; maps (annotations, labels,
// ports, volumes) are sorted by key. Optional fields are omitted when empty,
// like Go's `omitempty`; required ones (manifest layers, index manifests,
// rootfs.diff_ids, config) are always written. See DumpCanonicalJson for the
// byte-level format.
//
// Input is untrusted: unknown fields are ignored; wrong types, missing
// required fields, bad digests, negative sizes and wrong media types throw
// Error naming the document (`origin`, a digest or a file) and the field.
#ifndef IMGBUILD_LAYERS_OCI_H_
#define IMGBUILD_LAYERS_OCI_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "layers/digest.h"

namespace imgbuild::layers {

namespace media_types {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media_types

namespace annotations {
/// The name an image has in an OCI layout's index.json.
inline constexpr std::string_view kRefName = "org.opencontainers.image.ref.name";
/// The fully qualified name containerd gives an imported image.
inline constexpr std::string_view kContainerdImageName = "io.containerd.image.name";
}  // namespace annotations

/// Where a blob lives inside an OCI image layout: "blobs/<algorithm>/<hex>".
std::string LayoutBlobPath(const Digest& digest);

/// How deep indexes may nest (an index of indexes of ...) before imgbuild
/// takes the input for hostile; real images use one or two levels.
inline constexpr int kMaxIndexNesting = 16;

/// The content of the OCI empty descriptor ("{}").
inline constexpr std::string_view kEmptyJson = "{}";

/// OCI image manifest or Docker schema 2 manifest.
bool IsManifestMediaType(std::string_view media_type);
/// OCI image index or Docker manifest list.
bool IsIndexMediaType(std::string_view media_type);
/// OCI or Docker image config.
bool IsImageConfigMediaType(std::string_view media_type);

using Annotations = std::map<std::string, std::string>;

struct Platform {
  std::string architecture{};
  std::string os{};
  std::string os_version{};
  std::vector<std::string> os_features{};
  std::string variant{};

  bool operator==(const Platform&) const = default;
};

/// A reference to a blob: what it is, its digest and its size.
struct Descriptor {
  std::string media_type{};
  Digest digest;
  int64_t size = 0;
  Annotations annotations{};
  std::optional<Platform> platform{};

  bool operator==(const Descriptor&) const = default;
};

/// Describes `bytes` as a blob of `media_type` (sha256).
Descriptor DescribeBytes(std::string_view media_type, std::string_view bytes);

/// An image manifest (schemaVersion 2). `media_type` "" omits the field.
struct Manifest {
  std::string media_type{media_types::kOciManifest};
  Descriptor config;
  std::vector<Descriptor> layers{};
  Annotations annotations{};

  bool operator==(const Manifest&) const = default;
};

/// An image index / manifest list (schemaVersion 2); also index.json of an
/// OCI layout. `media_type` "" omits the field.
struct Index {
  std::string media_type{media_types::kOciIndex};
  std::vector<Descriptor> manifests{};
  Annotations annotations{};

  bool operator==(const Index&) const = default;
};

/// Docker's HEALTHCHECK settings; durations are nanoseconds, as Docker
/// stores Go's time.Duration.
struct HealthConfig {
  std::vector<std::string> test{};
  int64_t interval = 0;
  int64_t timeout = 0;
  int64_t start_period = 0;
  int64_t start_interval = 0;
  int64_t retries = 0;

  bool operator==(const HealthConfig&) const = default;
};

/// How to run a container from the image: the config's "config" object.
struct ContainerConfig {
  std::string user{};
  std::set<std::string> exposed_ports{};  // "80/tcp"
  std::vector<std::string> env{};         // "KEY=value", in order
  std::vector<std::string> entrypoint{};
  std::vector<std::string> cmd{};
  std::set<std::string> volumes{};
  std::string working_dir{};
  std::map<std::string, std::string> labels{};
  std::string stop_signal{};
  bool args_escaped = false;
  std::optional<HealthConfig> healthcheck{};
  std::vector<std::string> on_build{};
  std::vector<std::string> shell{};

  bool operator==(const ContainerConfig&) const = default;
};

struct HistoryEntry {
  std::string created{};  // RFC 3339, "" to omit
  std::string created_by{};
  std::string author{};
  std::string comment{};
  bool empty_layer = false;

  bool operator==(const HistoryEntry&) const = default;
};

/// The image config blob. rootfs.type is always "layers".
struct ImageConfig {
  std::string created{};  // RFC 3339, "" to omit
  std::string author{};
  std::string architecture{};
  std::string os{};
  std::string os_version{};
  std::vector<std::string> os_features{};
  std::string variant{};
  ContainerConfig config{};
  std::vector<Digest> diff_ids{};  // Digests of the uncompressed layers, base first.
  std::vector<HistoryEntry> history{};

  bool operator==(const ImageConfig&) const = default;
};

/// JSON values with the documented key order, for embedding or Serialize.
nlohmann::ordered_json ToJson(const Platform& platform);
nlohmann::ordered_json ToJson(const Descriptor& descriptor);
nlohmann::ordered_json ToJson(const Manifest& manifest);
nlohmann::ordered_json ToJson(const Index& index);
nlohmann::ordered_json ToJson(const ImageConfig& config);

/// The canonical bytes of a document (DumpCanonicalJson of ToJson): the
/// same value always gives the same bytes, hence the same digest.
std::string Serialize(const Manifest& manifest);
std::string Serialize(const Index& index);
std::string Serialize(const ImageConfig& config);

/// Parse untrusted JSON text; `origin` names it in errors ("manifest
/// sha256:…", a file path). Throw Error on any invalid content.
Manifest ParseManifest(std::string_view json, std::string_view origin);
Index ParseIndex(std::string_view json, std::string_view origin);
ImageConfig ParseImageConfig(std::string_view json, std::string_view origin);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_OCI_H_
