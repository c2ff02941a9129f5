// Where a built image goes besides the store: -o outputs (OCI layout,
// OCI archive, docker-archive, a local directory), --iidfile and
// --metadata-file, written the way buildx writes them.
#ifndef IMGBUILD_BUILDER_BUILD_OUTPUTS_H_
#define IMGBUILD_BUILDER_BUILD_OUTPUTS_H_

#include <string>
#include <vector>

#include "builder/build_options.h"
#include "layers/store.h"

namespace imgbuild::builder {

/// A short description for progress: "exporting to oci image format".
std::string OutputTitle(const OutputSpec& output);

/// Writes `result`'s image to `output`. Layout and archives name it after
/// each of `tags` (org.opencontainers.image.ref.name = the tag, as buildx);
/// type=local applies its layers into the directory (created when missing).
/// Throws Error naming the destination.
void WriteOutput(const layers::Store& store, const BuildResult& result,
                 const std::vector<std::string>& tags, const OutputSpec& output);

/// The --metadata-file document: containerimage.config.digest,
/// containerimage.descriptor, containerimage.digest and, with tags,
/// image.name (fully qualified names, comma-separated).
std::string BuildMetadataJson(const BuildResult& result, const std::vector<std::string>& tags);

/// Writes --iidfile (the manifest digest, no newline) and --metadata-file
/// when the request names them. Throws Error naming the file.
void WriteResultFiles(const BuildRequest& request, const BuildResult& result);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_BUILD_OUTPUTS_H_
