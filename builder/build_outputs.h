// Where a built image goes besides the store: -o outputs (OCI layout,
// OCI archive, docker-archive, a local directory, more names and registry
// pushes), --iidfile and --metadata-file, written the way buildx writes them.
#ifndef IMGBUILD_BUILDER_BUILD_OUTPUTS_H_
#define IMGBUILD_BUILDER_BUILD_OUTPUTS_H_

#include <string>
#include <vector>

#include "builder/build_options.h"
#include "layers/store.h"
#include "registry/registry.h"

namespace imgbuild::builder {

/// A short description for progress: "exporting to oci image format".
std::string OutputTitle(const OutputSpec& output);

/// Writes `result`'s image to `output`. Layout and archives name it after
/// the output's name= list, else each of `tags`
/// (org.opencontainers.image.ref.name = the name, as buildx); type=local
/// applies its layers into the directory (created when missing); type=image
/// names and pushes it (WriteImageOutput) through `registry`. Throws Error
/// naming the destination, or the name whose push failed.
void WriteOutput(const layers::Store& store, const BuildResult& result,
                 const std::vector<std::string>& tags, const OutputSpec& output,
                 const registry::RegistryOptions& registry = {});

/// The --metadata-file document: containerimage.config.digest,
/// containerimage.descriptor, containerimage.digest and, with names,
/// image.name (fully qualified names, comma-separated). Throws Error for a
/// name that does not parse.
std::string BuildMetadataJson(const BuildResult& result, const std::vector<std::string>& names);

/// Writes --iidfile (the manifest digest, no newline) and --metadata-file
/// (image.name: ImageNames) when the request names them. Throws Error
/// naming the file.
void WriteResultFiles(const BuildRequest& request, const BuildResult& result);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_BUILD_OUTPUTS_H_
