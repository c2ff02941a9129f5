#include "layers/platform_match.h"

namespace imgbuild::layers {
namespace {

// arm64 images label themselves "v8" or nothing; both mean the same.
std::string NormalVariant(const Platform& platform) {
  if (platform.architecture == "arm64" && platform.variant == "v8") return "";
  return platform.variant;
}

}  // namespace

std::string PlatformText(const std::optional<Platform>& platform) {
  if (!platform) return "no platform";
  std::string text = platform->os + "/" + platform->architecture;
  return platform->variant.empty() ? text : text + "/" + platform->variant;
}

bool IsImagePlatform(const Descriptor& descriptor) {
  return IsManifestMediaType(descriptor.media_type) && descriptor.platform &&
         descriptor.platform->os != "unknown";
}

bool PlatformMatches(const Platform& have, const Platform& want) {
  return have.os == want.os && have.architecture == want.architecture &&
         (want.variant.empty() || NormalVariant(have) == NormalVariant(want));
}

}  // namespace imgbuild::layers
