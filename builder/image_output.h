// The image output of a build (-o type=image,name=...,push=true, its
// shorthand type=registry, and --push): the names it gives the image in the
// store, and pushing the image to each name's registry, as buildx does.
#ifndef IMGBUILD_BUILDER_IMAGE_OUTPUT_H_
#define IMGBUILD_BUILDER_IMAGE_OUTPUT_H_

#include <string>
#include <vector>

#include "builder/build_options.h"
#include "layers/oci.h"
#include "layers/store.h"
#include "registry/registry.h"

namespace imgbuild::builder {

/// The names `output` gives the image: its name= list, else the build's
/// -t `tags`.
std::vector<std::string> OutputNames(const OutputSpec& output,
                                     const std::vector<std::string>& tags);

/// Every name the build gives the image, fully qualified, each once: the
/// -t tags, then the names of type=image outputs. What --metadata-file
/// reports as image.name. Throws Error for a name that does not parse.
std::vector<std::string> ImageNames(const BuildRequest& request);

/// Checks, before anything is built, that the image outputs of `request`
/// can be written: every name parses as an image name, and a push has a
/// name to push to. Throws Error quoting a name that does not parse, or
/// saying how to name the image for a push without a name.
void CheckImageOutputs(const BuildRequest& request);

/// Writes the image output `output` of a build whose -t names are `tags`
/// (the build named the image with them already): names `image` in `store`
/// with the output's own name= list and, when the output pushes, pushes it
/// to each of OutputNames' registries with `options` (blobs the registry has
/// are only HEADed; the pushed digest is the stored one). Throws Error
/// naming the name whose tag or push failed; the image stays in the store.
void WriteImageOutput(const layers::Store& store, const layers::Descriptor& image,
                      const OutputSpec& output, const std::vector<std::string>& tags,
                      const registry::RegistryOptions& options);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_IMAGE_OUTPUT_H_
