// What an export writes, decided before any byte is: the blobs (by digest)
// and the top-level files (oci-layout, index.json and, for a
// docker-archive, manifest.json and repositories). The same images give
// the same plan, so exports are reproducible.
#ifndef IMGBUILD_LAYERS_EXPORT_PLAN_H_
#define IMGBUILD_LAYERS_EXPORT_PLAN_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// One image to export.
struct ExportImage {
  /// The name it goes by ("app:1.0", normalised by ImageName), or "" for
  /// an image exported by digest.
  std::string name;
  /// A manifest or index in the store.
  Descriptor descriptor;
};

enum class ExportFormat {
  kOciLayout,     // a directory
  kOciArchive,    // a tar of the directory
  kDockerArchive  // the tar plus manifest.json and repositories
};

struct ExportOptions {
  /// Docker archives hold single-platform images: the manifest of an index
  /// to export. Unset picks the only one (attestations aside) or fails.
  std::optional<Platform> platform = std::nullopt;
};

struct ExportPlan {
  std::map<Digest, int64_t> blobs;           // digest -> size
  std::map<std::string, std::string> files;  // top-level file -> content
};

/// Plans the export of `images` (at least one). index.json has one entry
/// per image, in order, named like buildx and `docker save` do:
/// io.containerd.image.name = the fully qualified name and
/// org.opencontainers.image.ref.name = the tag. Throws Error naming the
/// image when a blob it needs is missing or invalid, when two images share
/// a name, or (docker) when no manifest of an index fits the platform.
ExportPlan PlanExport(const Store& store, const std::vector<ExportImage>& images,
                      ExportFormat format, const ExportOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_EXPORT_PLAN_H_
