// `imgbuild save`: writing images from the store as an OCI layout
// directory, an OCI archive or a docker-archive (see export_plan.h for
// what goes in). Archives are deterministic: members sorted by name,
// ustar headers with mode 0644/0755, owner 0:0, no user or group names and
// mtime 0, so the same images always give the same bytes. Blobs are
// streamed and verified against their digest on the way out; a corrupt
// store blob fails the export instead of spreading. Layers are copied as
// stored (compressed or not): docker load, podman load and skopeo's
// docker-archive transport all decompress them.
#ifndef IMGBUILD_LAYERS_IMAGE_EXPORT_H_
#define IMGBUILD_LAYERS_IMAGE_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "layers/export_plan.h"
#include "layers/sink.h"

namespace imgbuild::layers {

class Store;

/// What an export wrote.
struct ExportResult {
  int64_t blobs = 0;
  int64_t blob_bytes = 0;  // sum of the blob sizes
};

/// Writes `images` as a new OCI layout directory `destination`, which must
/// not exist or be empty. The directory appears complete or not at all (it
/// is built beside it and renamed). Throws Error naming the path or blob.
ExportResult ExportLayoutDirectory(const Store& store, const std::vector<ExportImage>& images,
                                   const std::string& destination,
                                   const ExportOptions& options = {});

/// Writes `images` as an archive (format kOciArchive or kDockerArchive)
/// into `sink`, then closes it. Throws Error naming the blob, or rethrows
/// what the sink threw.
ExportResult WriteImageArchive(const Store& store, const std::vector<ExportImage>& images,
                               ExportFormat format, ByteSink& sink,
                               const ExportOptions& options = {});

/// WriteImageArchive into the file `destination`, replaced atomically.
ExportResult ExportImageArchive(const Store& store, const std::vector<ExportImage>& images,
                                ExportFormat format, const std::string& destination,
                                const ExportOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_EXPORT_H_
