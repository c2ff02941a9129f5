// Choosing among the manifests of an index by platform, as docker pull,
// docker save --platform and the registry client do.
#ifndef IMGBUILD_LAYERS_PLATFORM_MATCH_H_
#define IMGBUILD_LAYERS_PLATFORM_MATCH_H_

#include <optional>
#include <string>

#include "layers/oci.h"

namespace imgbuild::layers {

/// "os/arch" or "os/arch/variant"; "no platform" when unset.
std::string PlatformText(const std::optional<Platform>& platform);

/// Whether an index entry is an image for a real platform: a manifest with
/// a platform that is not BuildKit's unknown/unknown (attestations).
bool IsImagePlatform(const Descriptor& descriptor);

/// Whether `have` satisfies `want`: same os and architecture, and the
/// variant `want` names, if any (arm64 without a variant is arm64/v8).
bool PlatformMatches(const Platform& have, const Platform& want);

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_PLATFORM_MATCH_H_
