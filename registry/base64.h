// Standard base64 (RFC 4648 with padding), as config.json "auth" fields
// and HTTP Basic credentials use it.
#ifndef IMGBUILD_REGISTRY_BASE64_H_
#define IMGBUILD_REGISTRY_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace imgbuild::registry {

/// Encodes `bytes` with padding.
std::string Base64Encode(std::string_view bytes);

/// Decodes padded or unpadded base64; nullopt when `text` is not base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace imgbuild::registry

#endif  // IMGBUILD_REGISTRY_BASE64_H_
