// Base images from OCI layout directories (`FROM oci-layout://PATH:TAG`,
// BuildKit's naming), and picking one platform's manifest from an index.
#ifndef IMGBUILD_BUILDER_LAYOUT_SOURCE_H_
#define IMGBUILD_BUILDER_LAYOUT_SOURCE_H_

#include <string>
#include <string_view>

#include "layers/oci.h"
#include "layers/store.h"
#include "parser/platform.h"

namespace imgbuild::builder {

/// The prefix BuildKit gives references to OCI layout directories.
inline constexpr std::string_view kOciLayoutScheme = "oci-layout://";

/// Copies the image `reference` (after the oci-layout:// prefix:
/// PATH[:TAG|@DIGEST], TAG defaulting to "latest") for `platform` from the
/// layout into `store`, every blob verified. Returns the manifest's
/// descriptor. Throws Error naming the layout and what is missing.
layers::Descriptor ImportFromOciLayout(const layers::Store& store, std::string_view reference,
                                       const parser::Platform& platform);

/// A descriptor of the manifest or index `bytes`, whose media type is the
/// document's own (by its fields when it names none). Throws Error naming
/// `origin` for invalid JSON.
layers::Descriptor DescribeDocument(std::string_view bytes, const std::string& origin);

/// The manifest of `index` for `platform` (os, architecture, and variant
/// when `platform` has one); attestation entries are skipped, and an index
/// of one entry without platform gives that entry. Throws Error naming
/// `what` and listing the platforms there are.
layers::Descriptor PickPlatformManifest(const layers::Index& index,
                                        const parser::Platform& platform, const std::string& what);

}  // namespace imgbuild::builder

#endif  // IMGBUILD_BUILDER_LAYOUT_SOURCE_H_
