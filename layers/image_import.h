// `imgbuild load`: bringing images into the store from an OCI layout
// directory, an OCI archive (a tar of a layout, optionally gzip- or
// zstd-compressed) or a docker-archive (a tar with manifest.json, as
// `docker save` and skopeo write).
//
// Input is untrusted. Every blob is verified (digest and size) while it is
// streamed into a staging area of the store, and nothing is published until
// the whole input checks out: hostile or broken input leaves the store as
// it was. Errors name the input and the archive member, field or digest.
#ifndef IMGBUILD_LAYERS_IMAGE_IMPORT_H_
#define IMGBUILD_LAYERS_IMAGE_IMPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "layers/oci.h"

namespace imgbuild::layers {

class Store;

/// The kinds of input ImportImages recognises.
enum class ImportFormat { kOciLayout, kOciArchive, kDockerArchive };

/// "oci-dir", "oci", "docker": the names `imgbuild save --format` uses.
std::string_view ImportFormatName(ImportFormat format);

struct ImportOptions {
  /// Name the imported image this (`load -t`) instead of what the input
  /// says. The input must then hold exactly one image.
  std::string name{};
  /// Import images the input gives no name as well, without naming them:
  /// they are listed in ImportResult::images with name "" and not tagged
  /// (for a throwaway store that compares or inspects them).
  bool keep_unnamed = false;
};

/// One name the import gave.
struct ImportedImage {
  std::string name;       // as tagged: normalised, familiar ("app:1.0"); "" when not tagged
  Descriptor descriptor;  // the manifest or index, without name annotations
};

struct ImportResult {
  ImportFormat format = ImportFormat::kOciLayout;
  std::vector<ImportedImage> images;  // in input order
  int64_t blobs_added = 0;            // blobs the store did not have before
  int64_t bytes_added = 0;
};

/// Imports every image of the layout directory or archive at `path` and
/// tags it with its names: an OCI entry's io.containerd.image.name, else its
/// org.opencontainers.image.ref.name; a docker-archive image's RepoTags.
/// Index entries are imported with everything below them, nested indexes
/// included, byte for byte. A docker-archive image becomes an OCI manifest
/// over the same config and layer bytes (media type by content: tar,
/// tar+gzip or tar+zstd), each layer's diff ID checked against the config.
/// Throws Error naming the member, field or digest for: names leaving the
/// archive, missing or oversized blobs, digest or size mismatches, invalid
/// JSON, diff ID mismatches, truncated or corrupt archives, unnamed images
/// (pass a name, or keep them unnamed), and for a name that is not a valid
/// image name.
/// Until it publishes, the import holds one open file per staged blob:
/// archives with more blobs than RLIMIT_NOFILE allows fail with EMFILE.
ImportResult ImportImages(const Store& store, const std::string& path,
                          const ImportOptions& options = {});

}  // namespace imgbuild::layers

#endif  // IMGBUILD_LAYERS_IMAGE_IMPORT_H_
